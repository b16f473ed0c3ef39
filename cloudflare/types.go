package cloudflare

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/idpsync/idpsync/idptype"
)

// Message is an item of errors[] or messages[] in an API envelope.
type Message struct {
	Code             int     `json:"code"`
	Message          string  `json:"message"`
	DocumentationURL string  `json:"documentation_url,omitempty"`
	Source           *Source `json:"source,omitempty"`
}

// Source points at the request field an error is about.
type Source struct {
	Pointer string `json:"pointer,omitempty"`
}

// ResultInfo is the pagination block of a collection response.
type ResultInfo struct {
	Count      int `json:"count"`
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
	// Cursors page the version-2 lists (the audit log): the SDK's
	// pagination.CursorPaginationAfter reads result_info.cursors.after.
	Cursors *struct {
		After string `json:"after"`
	} `json:"cursors,omitempty"`
}

// AccessEnvelope is the envelope of the /access/* endpoints; it always carries messages.
type AccessEnvelope struct {
	Success    bool            `json:"success"`
	Errors     []Message       `json:"errors"`
	Messages   []Message       `json:"messages"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *ResultInfo     `json:"result_info,omitempty"`
}

// ShareEnvelope is the thinner envelope of the /shares* endpoints: no messages,
// and errors without documentation_url or source.
type ShareEnvelope struct {
	Success    bool            `json:"success"`
	Errors     []Message       `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *ResultInfo     `json:"result_info,omitempty"`
}

// IdentityProvider is an Access identity provider. Config keeps the API's own
// per-type keys (see idptype.Types); values are JSON values (string, bool, float64,
// []any, map[string]any) so that a key the API adds later survives a read.
type IdentityProvider struct {
	ID                   string          `json:"id,omitempty"`
	Name                 string          `json:"name"`
	Type                 string          `json:"type"`
	Config               map[string]any  `json:"config"`
	SCIMConfig           map[string]any  `json:"scim_config,omitempty"`
	SAMLCertificateSetID string          `json:"saml_certificate_set_id,omitempty"`
	SAMLCertificateSet   *CertificateSet `json:"saml_certificate_set,omitempty"`
	ReadOnly             bool            `json:"read_only,omitempty"`
	// SCIMSecret is scim_config.secret as a write returned it, moved out of
	// SCIMConfig by the client so that no encoding of the object carries it.
	// The API returns it once, when SCIM is first enabled, and from
	// refresh_scim_secret; reads redact it (REFERENCE.md §2.4).
	SCIMSecret string `json:"-"`
}

// takeSCIMSecret moves scim_config.secret out of SCIMConfig into SCIMSecret.
// A redacted value (asterisks, as issue #2743 of the Terraform provider
// shows reads returning) is dropped: it is no secret.
func (idp *IdentityProvider) takeSCIMSecret() {
	if idp == nil || idp.SCIMConfig == nil {
		return
	}
	s, _ := idp.SCIMConfig["secret"].(string)
	delete(idp.SCIMConfig, "secret")
	if strings.Trim(s, "*") != "" {
		idp.SCIMSecret = s
	}
}

// CertificateSet is a SAML encryption certificate set.
type CertificateSet struct {
	UID                 string       `json:"uid"`
	CreatedAt           time.Time    `json:"created_at"`
	UpdatedAt           time.Time    `json:"updated_at"`
	CurrentCertificate  *Certificate `json:"current_certificate,omitempty"`
	PreviousCertificate *Certificate `json:"previous_certificate"`
}

// Certificate is one certificate of a set.
type Certificate struct {
	UID               string    `json:"uid"`
	PublicCertificate string    `json:"public_certificate"`
	NotAfter          time.Time `json:"not_after"`
	IsCurrent         bool      `json:"is_current"`
}

// Grant is an IdP federation grant. Its id is a 32-hex identifier, not a UUID.
//
// It has no created_at: the SDK's IdPFederationGrant is {id, idp_id}
// (cloudflare-go v7.9.0 zero_trust/accessidpfederationgrant.go), and
// Cloudflare's spec dropped the field on 2026-06-23, so nothing may depend on it.
type Grant struct {
	ID    string `json:"id"`
	IdPID string `json:"idp_id"`
}

// DeletedID is the result of the DELETE endpoints of the Access family.
type DeletedID struct {
	ID string `json:"id"`
}

// Share is a resource-sharing share.
type Share struct {
	ID                           string              `json:"id"`
	Name                         string              `json:"name"`
	AccountID                    string              `json:"account_id"`
	AccountName                  string              `json:"account_name"`
	OrganizationID               string              `json:"organization_id"`
	Created                      time.Time           `json:"created"`
	Modified                     time.Time           `json:"modified"`
	Status                       idptype.ShareStatus `json:"status"`
	TargetType                   idptype.ShareTarget `json:"target_type"`
	Kind                         idptype.ShareKind   `json:"kind,omitempty"`
	Resources                    []ShareResource     `json:"resources,omitempty"`
	AssociatedRecipientCount     *int                `json:"associated_recipient_count,omitempty"`
	AssociatingRecipientCount    *int                `json:"associating_recipient_count,omitempty"`
	DisassociatedRecipientCount  *int                `json:"disassociated_recipient_count,omitempty"`
	DisassociatingRecipientCount *int                `json:"disassociating_recipient_count,omitempty"`
}

// ShareResource is a resource carried by a share.
type ShareResource struct {
	ID                string               `json:"id"`
	ResourceID        string               `json:"resource_id"`
	ResourceType      idptype.ResourceType `json:"resource_type"`
	ResourceAccountID string               `json:"resource_account_id"`
	Meta              map[string]any       `json:"meta"`
	// Status takes the values of a share's status.
	Status          idptype.ShareStatus `json:"status"`
	Created         time.Time           `json:"created"`
	Modified        time.Time           `json:"modified"`
	ResourceVersion int                 `json:"resource_version"`
}

// Recipient is a recipient of a share; removed recipients stay listed as disassociated.
type Recipient struct {
	ID                string                  `json:"id"`
	AccountID         string                  `json:"account_id"`
	AssociationStatus idptype.RecipientStatus `json:"association_status"`
	Created           time.Time               `json:"created"`
	Modified          time.Time               `json:"modified"`
	Resources         []RecipientResource     `json:"resources,omitempty"`
}

// RecipientResource reports how a shared resource fared in a recipient account.
type RecipientResource struct {
	ResourceID      string `json:"resource_id"`
	ResourceVersion int    `json:"resource_version"`
	Error           string `json:"error"`
	Terminal        bool   `json:"terminal"`
}

// RecipientRequest names one recipient: an account, or (OrganizationID, or
// neither field) the caller's whole organization.
type RecipientRequest struct {
	RecipientAccountID string `json:"recipient_account_id,omitempty"`
	OrganizationID     string `json:"organization_id,omitempty"`
}

// ResourceRequest names one resource of a create-share request.
type ResourceRequest struct {
	ResourceID        string               `json:"resource_id"`
	ResourceType      idptype.ResourceType `json:"resource_type"`
	ResourceAccountID string               `json:"resource_account_id"`
	Meta              map[string]any       `json:"meta"`
}

// CreateShareRequest is the body of POST /accounts/{account_id}/shares.
type CreateShareRequest struct {
	Name       string             `json:"name"`
	Recipients []RecipientRequest `json:"recipients"`
	Resources  []ResourceRequest  `json:"resources"`
}

// AccessApplication is the part of an Access application idpsync reads: which
// identity providers it lets users sign in with. The fields and their JSON
// names follow cloudflare-go v7.9.0 zero_trust/accessapplication.go
// (AccessApplicationListResponse / SelfHostedApplication). An empty
// AllowedIdPs means every IdP of the account ("Defaults to all IdPs configured
// in your account", same file).
type AccessApplication struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Domain                 string    `json:"domain,omitempty"`
	Type                   string    `json:"type"`
	AUD                    string    `json:"aud,omitempty"`
	AllowedIdPs            []string  `json:"allowed_idps"`
	AutoRedirectToIdentity bool      `json:"auto_redirect_to_identity"`
	SessionDuration        string    `json:"session_duration,omitempty"`
	CreatedAt              time.Time `json:"created_at,omitzero"`
	UpdatedAt              time.Time `json:"updated_at,omitzero"`
}

// AccessOrganization is an account's Zero Trust organization, as
// GET /accounts/{id}/access/organizations returns it (cloudflare-go v7.9.0
// zero_trust/organization.go, Organization). AutoRedirectToIdentity is a bool
// there: "users skip the identity provider selection step during login".
type AccessOrganization struct {
	Name                   string `json:"name"`
	AuthDomain             string `json:"auth_domain"`
	AutoRedirectToIdentity bool   `json:"auto_redirect_to_identity"`
	SessionDuration        string `json:"session_duration,omitempty"`
	IsUIReadOnly           bool   `json:"is_ui_read_only"`
}

// AccessPolicy is the part of an Access policy idpsync reads: who it lets
// in. The fields follow cloudflare-go v7.9.0 zero_trust/accesspolicy.go
// (AccessPolicyListResponse) and accessapplicationpolicy.go
// (AccessApplicationPolicyListResponse), and cloudflare-typescript
// src/resources/zero-trust/access/policies.ts.
type AccessPolicy struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Decision   string       `json:"decision"`
	Include    []AccessRule `json:"include"`
	Require    []AccessRule `json:"require,omitempty"`
	Exclude    []AccessRule `json:"exclude,omitempty"`
	Precedence int          `json:"precedence,omitempty"`
	// AppCount is how many applications use a reusable policy.
	AppCount int `json:"app_count,omitempty"`
}

// AccessRule is one rule of a policy: an object with one key, the rule's
// kind, whose value holds its parameters (zero_trust/accessapplicationpolicy.go,
// AccessRule and its variants, e.g. {"email": {"email": "..."}},
// {"login_method": {"id": "<idp>"}}, {"saml": {"attribute_name": ...,
// "identity_provider_id": "<idp>"}}). Kept raw: the union has some thirty
// variants and idpsync needs only which IdP, if any, a rule names.
type AccessRule map[string]json.RawMessage

// Kind is the rule's kind: its one key ("" for an empty rule; the first in
// sorted order should a server send several).
func (r AccessRule) Kind() string {
	kind := ""
	for k := range r {
		if kind == "" || k < kind {
			kind = k
		}
	}
	return kind
}

// Readable reports whether the rule has the documented form: one key whose
// value is an object. A rule that does not cannot be told bound or free.
func (r AccessRule) Readable() bool {
	if len(r) != 1 {
		return false
	}
	var v map[string]json.RawMessage
	return json.Unmarshal(r[r.Kind()], &v) == nil && v != nil
}

// IdentityProviderID is the IdP the rule is bound to: a login_method rule's
// id ("The ID of an identity provider", AccessRuleAccessLoginMethodRuleLoginMethod),
// or the identity_provider_id that the IdP-bound rules carry (azureAD,
// github-organization, gsuite, okta, saml, oidc, auth_context: the
// *Rule...IdentityProviderID fields, all required). Empty for a rule any
// login can satisfy.
func (r AccessRule) IdentityProviderID() string {
	kind := r.Kind()
	raw, ok := r[kind]
	if !ok {
		return ""
	}
	var v struct {
		ID                 string `json:"id"`
		IdentityProviderID string `json:"identity_provider_id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	if kind == "login_method" {
		return v.ID
	}
	return v.IdentityProviderID
}
