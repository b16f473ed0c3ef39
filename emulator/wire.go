package emulator

import (
	"time"

	"github.com/idpsync/idpsync/idptype"
)

// The emulator's wire shapes: what its responses carry, written from
// testdata/access-subset.openapi.yaml (components.schemas named on each type)
// and not shared with the client package, so that a field the client names
// wrongly is not named wrongly here too. TestContract checks every response
// against the document, and the client's requests too.
//
// To serve a new endpoint: add its shapes here, its routes in routes.go, its
// handlers in a file of their own, and its cases to contract_test.go (adding
// the endpoint to the document when it is missing).

// wireMessage is an item of errors[] or messages[] (access_messages;
// resource-sharing errors carry only code and message).
type wireMessage struct {
	Code             int         `json:"code"`
	Message          string      `json:"message"`
	DocumentationURL string      `json:"documentation_url,omitempty"`
	Source           *wireSource `json:"source,omitempty"`
}

type wireSource struct {
	Pointer string `json:"pointer,omitempty"`
}

// wireResultInfo is result_info of a collection (access_result_info,
// resource-sharing_result_info): five numbers.
type wireResultInfo struct {
	Count      int `json:"count"`
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	TotalCount int `json:"total_count"`
	// TotalPages is reported by the federation-grant listing only, the one
	// list whose SDK type declares it, unless the TotalPages leniency is on.
	TotalPages *int `json:"total_pages,omitempty"`
}

// accessEnvelope is the envelope of the /access/* routes
// (access_api-response-common): messages always present.
type accessEnvelope struct {
	Success    bool            `json:"success"`
	Errors     []wireMessage   `json:"errors"`
	Messages   []wireMessage   `json:"messages"`
	Result     any             `json:"result"` // encoded in the same pass as the envelope
	ResultInfo *wireResultInfo `json:"result_info,omitempty"`
}

// shareEnvelope is the thinner envelope of the /shares* routes
// (resource-sharing_api-response-common): no messages.
type shareEnvelope struct {
	Success    bool            `json:"success"`
	Errors     []wireMessage   `json:"errors"`
	Result     any             `json:"result"`
	ResultInfo *wireResultInfo `json:"result_info,omitempty"`
}

// wireIdP is an identity provider as read (access_identity-providers and
// its per-type variants). scim_config is always present: the Terraform
// provider, whose acceptance tests run against the real API, treats it so,
// with the defaults wireSCIMDefaults fills in (REFERENCE.md §2.1; issue 15).
type wireIdP struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	Type                 string         `json:"type"`
	Config               map[string]any `json:"config"`
	SCIMConfig           map[string]any `json:"scim_config"`
	SAMLCertificateSetID string         `json:"saml_certificate_set_id,omitempty"`
	SAMLCertificateSet   *wireCertSet   `json:"saml_certificate_set,omitempty"`
	ReadOnly             bool           `json:"read_only,omitempty"`
}

// wireCertSet is a SAML encryption certificate set (access_saml_certificate_set).
type wireCertSet struct {
	UID                 string    `json:"uid"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
	CurrentCertificate  *wireCert `json:"current_certificate,omitempty"`
	PreviousCertificate *wireCert `json:"previous_certificate"`
}

// wireCert is one certificate of a set (access_saml_certificate).
type wireCert struct {
	UID               string    `json:"uid"`
	PublicCertificate string    `json:"public_certificate"`
	NotAfter          time.Time `json:"not_after"`
	IsCurrent         bool      `json:"is_current"`
}

// wireGrant is an IdP federation grant. It carries id and idp_id only: the
// SDK's IdPFederationGrant has no created_at (cloudflare-go v7.9.0
// zero_trust/accessidpfederationgrant.go), as Cloudflare's spec update of
// 2026-06-23 dropped it; the older extract still lists it (REFERENCE.md §4),
// so clients must not count on it.
type wireGrant struct {
	ID    string `json:"id"`
	IdPID string `json:"idp_id"`
}

// wireDeletedID is the result of the Access family's DELETEs (access_id_response).
type wireDeletedID struct {
	ID string `json:"id"`
}

// wireShare is a resource-sharing share (resource-sharing_share_object).
type wireShare struct {
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
	Resources                    []wireShareResource `json:"resources,omitempty"`
	AssociatedRecipientCount     *int                `json:"associated_recipient_count,omitempty"`
	AssociatingRecipientCount    *int                `json:"associating_recipient_count,omitempty"`
	DisassociatedRecipientCount  *int                `json:"disassociated_recipient_count,omitempty"`
	DisassociatingRecipientCount *int                `json:"disassociating_recipient_count,omitempty"`
}

// wireShareResource is a resource carried by a share (resource-sharing_share_resource_object).
type wireShareResource struct {
	ID                string               `json:"id"`
	ResourceID        string               `json:"resource_id"`
	ResourceType      idptype.ResourceType `json:"resource_type"`
	ResourceAccountID string               `json:"resource_account_id"`
	Meta              map[string]any       `json:"meta"`
	Status            idptype.ShareStatus  `json:"status"`
	Created           time.Time            `json:"created"`
	Modified          time.Time            `json:"modified"`
	ResourceVersion   int                  `json:"resource_version"`
}

// wireRecipient is a share recipient (resource-sharing_share_recipient_object).
type wireRecipient struct {
	ID                string                  `json:"id"`
	AccountID         string                  `json:"account_id"`
	AssociationStatus idptype.RecipientStatus `json:"association_status"`
	Created           time.Time               `json:"created"`
	Modified          time.Time               `json:"modified"`
	Resources         []wireRecipientResource `json:"resources,omitempty"`
}

// wireRecipientResource is how a shared resource fared in a recipient account.
type wireRecipientResource struct {
	ResourceID      string `json:"resource_id"`
	ResourceVersion int    `json:"resource_version"`
	Error           string `json:"error"`
	Terminal        bool   `json:"terminal"`
}

// wireApp is the part of an Access application the emulator serves
// (cloudflare-go v7.9.0 zero_trust/accessapplication.go; the application
// endpoints are not in the OpenAPI subset).
type wireApp struct {
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

// wirePolicy is an Access policy as the policy listings return it
// (cloudflare-go v7.9.0 zero_trust/accesspolicy.go AccessPolicyListResponse,
// zero_trust/accessapplicationpolicy.go AccessApplicationPolicyListResponse).
// app_count is on reusable policies, precedence on an application's listing.
type wirePolicy struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Decision   string           `json:"decision"`
	Include    []map[string]any `json:"include"`
	Require    []map[string]any `json:"require"`
	Exclude    []map[string]any `json:"exclude"`
	Reusable   bool             `json:"reusable"`
	AppCount   *int             `json:"app_count,omitempty"`
	Precedence *int             `json:"precedence,omitempty"`
	CreatedAt  time.Time        `json:"created_at,omitzero"`
	UpdatedAt  time.Time        `json:"updated_at,omitzero"`
}

// wireAccessOrg is an account's Access organization (cloudflare-go v7.9.0
// zero_trust/organization.go, Organization).
type wireAccessOrg struct {
	Name                   string `json:"name"`
	AuthDomain             string `json:"auth_domain"`
	AutoRedirectToIdentity bool   `json:"auto_redirect_to_identity"`
	SessionDuration        string `json:"session_duration,omitempty"`
	IsUIReadOnly           bool   `json:"is_ui_read_only"`
}
