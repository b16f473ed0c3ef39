package state

import (
	"fmt"
	"slices"
	"time"

	"github.com/idpsync/idpsync/idptype"
)

// Pos is a position in a desired-state file.
type Pos struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	if p.File == "" {
		return "-"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Desired is the whole desired state: every account declared across the loaded files.
type Desired struct {
	// Accounts are sorted by ID; an account split across files is merged into one.
	Accounts []*Account
	// Files are the files that were loaded, in load order.
	Files []string
	// Policy is every `policy:` block of the files, combined; nil when no
	// file declares one.
	Policy *Policy
	// DriftExceptions are the drift: exceptions of every file, in load order.
	DriftExceptions []DriftException
}

// Policy is the desired state's guardrails: built-in rules every plan is
// checked against, and waivers that excuse findings until a date.
type Policy struct {
	Rules   []*PolicyRule
	Waivers []*Waiver
}

// PolicyRule is one built-in rule as declared (idptype.PolicyRules).
type PolicyRule struct {
	ID string
	// Level is idptype.PolicyDeny (the default) or idptype.PolicyWarn.
	Level string
	Scope PolicyScope
	// Types are forbid_types' forbidden IdP types.
	Types []string
	// Max is max_destroys' bound.
	Max int
	// Organization and Accounts are allowed_share_targets' targets.
	Organization bool
	Accounts     []string
	Pos          Pos
}

// PolicyScope is where a rule applies.
type PolicyScope struct {
	// All is true when the rule applies everywhere (no scope written, or all: true).
	All bool
	// Owners are the account ids and zone keys (idptype.ZoneKey) the names
	// written resolve to, sorted.
	Owners []string
}

// Covers reports whether the scope holds the account or zone owner.
func (s PolicyScope) Covers(owner string) bool {
	return s.All || slices.Contains(s.Owners, owner)
}

// Waiver excuses the findings of one rule at matching addresses until the
// end of a day (UTC).
type Waiver struct {
	// Rule is a built-in rule id, or rego:<package>.
	Rule string
	// Address is a pattern: `*` matches any run of characters.
	Address string
	Reason  string
	// Until is the last day the waiver holds, as written (YYYY-MM-DD).
	Until string
	Pos   Pos
}

// ManagesFederation says whether the desired state declares federation in
// the account (some IdP shares) or prunes it (deleting an undeclared IdP
// deletes its grant and share first): then its shares must be read for any
// plan of it.
func (a *Account) ManagesFederation() bool {
	if a.Prune {
		return true
	}
	for _, i := range a.IdentityProviders {
		if i.Federation != nil {
			return true
		}
	}
	return false
}

// Account returns the declared account with the given id, or nil.
func (d *Desired) Account(id string) *Account {
	for _, a := range d.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Account is one Cloudflare account of the desired state, or one zone: a
// zone's IdPs are declared under `zones:` and its ID is its owner key,
// idptype.ZoneKey(zone id), which the client turns into /zones/ paths.
type Account struct {
	ID string
	// Zone is set for a zone: it has IdPs only (no organization, federation
	// or SAML encryption, which the API offers per account only).
	Zone bool
	// Name is an optional label used in addresses and output; ID when empty.
	Name string
	// Organization, when declared, is the organization the account must belong to.
	Organization string
	// Prune makes undeclared IdPs (and their grants and shares) candidates for deletion.
	Prune             bool
	IdentityProviders []*IdP
	Pos               Pos
}

// Label is the name used in addresses: Name when set, else the account or
// zone id.
func (a *Account) Label() string {
	if a.Name != "" {
		return a.Name
	}
	return idptype.OwnerID(a.ID)
}

// IdP is a declared identity provider.
type IdP struct {
	// ID optionally pins the IdP to an existing live one; otherwise it is matched by name.
	ID   string
	Name string
	Type string
	// Config holds the declared config keys with their resolved values, as JSON
	// values (string, bool, float64, []any, map[string]any). Only declared keys are present.
	Config map[string]any
	// Secrets describes every config key that is sensitive or whose value
	// came from a reference: where its value came from. Such a value is in
	// Config and must never be printed or saved; output shows the reference.
	Secrets    map[string]SecretSource
	Encryption *Encryption
	Federation *Federation
	// Metadata, on a SAML IdP, is the metadata its issuer_url, sso_target_url
	// and idp_public_certs come from. A file is read at load time; a URL is
	// fetched at plan time (engine), which fills Config then.
	Metadata *Metadata
	// Sources says, for each config key not written in the file, where its
	// value came from: "metadata okta.xml". Output appends it to the key.
	Sources map[string]string
	// SCIM is the declared scim_config; nil when the IdP declares none.
	SCIM *SCIM
	Pos  Pos
	// KeyPos records the position of each declared config key, for diagnostics.
	KeyPos map[string]Pos
}

// Metadata is a `metadata:` block: exactly one of File or URL.
type Metadata struct {
	// File is the path as written, relative to the declaring file's directory.
	File string
	URL  string
	Pos  Pos
}

// Source names the metadata in output, as written in the file (which a
// reader of the plan can see anyway): "metadata okta.xml" or
// "metadata https://…". The loader refuses credentials in the URL.
func (m *Metadata) Source() string {
	if m.File != "" {
		return "metadata " + m.File
	}
	return "metadata " + m.URL
}

// SecretSource says where a sensitive value came from, so that a saved plan can
// name it and resolve it again at apply time without storing it.
type SecretSource struct {
	// Ref is the expression as written, e.g. "${env:GITHUB_CLIENT_SECRET}".
	Ref string
	// BaseDir is the directory ${file:...} paths are relative to.
	BaseDir string
	// Root is the configuration root ${file:...} is confined to.
	Root string
	// MetadataURL is set when the value came from the SAML metadata served
	// at this URL (Ref is then "metadata URL"): apply fetches it again.
	MetadataURL string
	// Deferred is set when the value was not available at load time (the
	// variable unset, the file absent): Config holds no value for the key,
	// and apply reads it, failing before its first write when it is missing.
	Deferred bool
}

// SCIM is the declared scim_config of an IdP: only the keys written in the
// file, each a writable key of idptype.SCIMFields. Only declared keys are
// compared, so the API's defaults are never changes.
type SCIM struct {
	Settings map[string]any
	Pos      Pos
}

// Enabled reports whether the declaration switches SCIM on.
func (s *SCIM) Enabled() bool {
	if s == nil {
		return false
	}
	on, _ := s.Settings["enabled"].(bool)
	return on
}

// Encryption is the SAML assertion encryption setting of an IdP.
type Encryption struct {
	Enabled bool
	// RotateWithin plans a rotation when the current certificate expires sooner; zero disables it.
	RotateWithin time.Duration
	Pos          Pos
}

// Federation is the sharing of an IdP with other accounts of the organization.
type Federation struct {
	// Organization shares with the source account's whole organization.
	Organization bool
	// Accounts are the recipient account ids, sorted.
	Accounts []string
	Pos      Pos
}

// Live is what the API returned for the accounts idpsync read.
type Live struct {
	Accounts map[string]*LiveAccount
	// Peers are the organizations of undeclared accounts the desired state
	// shares with, by account id, where the API revealed them; they let the
	// pre-flight refuse a recipient outside the source's organization.
	Peers map[string]*LiveOrganization
}

// LiveOrganization is what the API said about an account's organization.
type LiveOrganization struct {
	// Known is true when the account details were read: ID is then the
	// organization, or empty for an account that belongs to none.
	Known bool
	ID    string
	// Unknown says why the details could not be read, when Known is false.
	Unknown string
}

// LiveAccount is the normalized live state of one account.
type LiveAccount struct {
	ID string
	// Organization is the account's organization when the API revealed it:
	// from the account details (GET /accounts/{id}, managed_by.parent_org_id),
	// else from a sent share.
	Organization string
	// Org is what the account details said; Org.Known is false when they
	// could not be read (the token may lack Account Settings Read).
	Org LiveOrganization
	// IdentityProviders are sorted by name, then id. Read-only federated
	// connections are included with ReadOnly set and Received filled.
	IdentityProviders []*LiveIdP
	// Grants are every grant of the account; each is also linked from its IdP.
	Grants []*LiveGrant
	// Shares are the account's sent shares that carry an idp-federation-grant resource.
	Shares []*LiveShare
	// SharesUnread says the shares (and so their recipients) were not
	// listed, because nothing the desired state declares needed them
	// (engine.ReadsFor): Shares is then empty for want of reading, not
	// because there are none.
	SharesUnread bool
}

// LiveIdP is a live identity provider.
type LiveIdP struct {
	ID   string
	Name string
	Type string
	// Config is the config as read, without write-only keys the API does not return.
	Config map[string]any
	// SCIMConfig is scim_config as read. Updates do not send it back unless
	// the desired state declares it.
	SCIMConfig map[string]any
	// ReadOnly IdPs cannot be changed or deleted through the API.
	ReadOnly bool
	// Received is set on read-only federated connections: where they come from.
	Received *Received
	// EncryptionEnabled mirrors config.enable_encryption.
	EncryptionEnabled bool
	CertificateSet    *LiveCertificateSet
	Grant             *LiveGrant
	// Version is a marker that changes whenever the object changes; the IdP
	// object has no updated_at, so it is a hash of the object as read.
	Version string
}

// Received tells where a read-only federated connection comes from.
type Received struct {
	FromAccount string
	// Candidates are the accounts that may have sent it, when several
	// received shares could have (FromAccount is then empty).
	Candidates []string
	ShareID    string
	ShareName  string
}

// LiveCertificateSet is a SAML encryption certificate set.
type LiveCertificateSet struct {
	UID       string
	UpdatedAt time.Time
	Current   *LiveCertificate
	Previous  *LiveCertificate
}

// LiveCertificate is one certificate of a set, with its fingerprint computed.
type LiveCertificate struct {
	UID      string
	PEM      string
	NotAfter time.Time
	// SHA256 is the colon-separated upper-case hex SHA-256 fingerprint of the DER certificate.
	SHA256 string
}

// LiveGrant is a federation grant and, when one exists, the share that carries it.
type LiveGrant struct {
	ID    string
	IdPID string
	Share *LiveShare
}

// LiveShare is a sent share carrying a grant.
type LiveShare struct {
	ID             string
	Name           string
	Status         idptype.ShareStatus
	TargetType     idptype.ShareTarget
	OrganizationID string
	Modified       time.Time
	// GrantID is the resource_id of the share's idp-federation-grant resource.
	GrantID string
	// ResourceID is that resource's share-resource id.
	ResourceID string
	// Recipients are every recipient the API lists, in every association state,
	// sorted by account id. Nil when the recipients were not read.
	Recipients []*LiveRecipient
}

// LiveRecipient is one recipient of a share.
type LiveRecipient struct {
	ID        string
	AccountID string
	Status    idptype.RecipientStatus
	Modified  time.Time
}
