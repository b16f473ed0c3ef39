package plan

import "github.com/idpsync/idpsync/plan/addr"

// FormatVersion is the version of the Plan's JSON form. A saved plan of another
// major version is refused.
const FormatVersion = "1.0"

// Kind is what an action does.
type Kind string

const (
	Create  Kind = "create"
	Update  Kind = "update"
	Delete  Kind = "delete"
	Replace Kind = "replace" // delete, then create
	Rotate  Kind = "rotate"
	NoOp    Kind = "no-op"
)

// Resource is the kind of object an action works on; addr.Kinds has one row
// per kind.
type Resource = addr.Kind

const (
	ResourceIdP            = addr.IdP            // account[a].idp[n]
	ResourceCertificateSet = addr.CertificateSet // account[a].idp[n].encryption.certificate_set
	ResourceEncryption     = addr.Encryption     // account[a].idp[n].encryption
	ResourceGrant          = addr.Grant          // account[a].idp[n].grant
	ResourceShare          = addr.Share          // account[a].idp[n].share
	ResourceRecipient      = addr.Recipient      // account[a].idp[n].share.recipient[<account id>|organization]
	// ResourceSCIMSecret is the SCIM secret of an IdP; its only action is
	// rotate, planned on request (--rotate-scim-secret).
	ResourceSCIMSecret = addr.SCIMSecret // account[a].idp[n].scim_secret
)

// Reason says why an action is planned.
type Reason string

const (
	ReasonInSync              Reason = "in_sync"              // no-op
	ReasonMissing             Reason = "missing"              // declared, absent live
	ReasonChanged             Reason = "changed"              // live differs from declared
	ReasonResendSecrets       Reason = "resend_secrets"       // --resend-secrets forced an update
	ReasonTypeChanged         Reason = "type_changed"         // the IdP type cannot change in place
	ReasonEncryptionEnabled   Reason = "encryption_enabled"   // encryption switched on
	ReasonEncryptionDisabled  Reason = "encryption_disabled"  // encryption switched off
	ReasonCertificateExpiring Reason = "certificate_expiring" // within encryption.rotate_within
	ReasonPruned              Reason = "pruned"               // undeclared in an account with prune: true
	ReasonFederationRemoved   Reason = "federation_removed"   // federation block removed
	ReasonRecipientRemoved    Reason = "recipient_removed"    // account removed from share_with
	ReasonTargetChanged       Reason = "target_changed"       // share switched between accounts and organization
	ReasonParentReplaced      Reason = "parent_replaced"      // recreated because its IdP is replaced
	ReasonDuplicate           Reason = "duplicate"            // a second live copy left by overlapping runs
)

// Plan is the result of Diff.
type Plan struct {
	FormatVersion string `json:"format_version"`
	// Danger is what a reviewer must not miss (Plan.Dangers), first in the
	// JSON view so that a reader meets it before any detail; views derive it
	// again and never read it from a saved plan.
	Danger []Danger `json:"danger"`
	// Blockers are every reason apply would refuse the plan before its
	// first write, as found when it was made (engine.Blockers). Apply checks
	// them again itself.
	Blockers []Blocker `json:"blockers"`
	// Accounts are the accounts the plan covers, sorted by id.
	Accounts []AccountRef `json:"accounts"`
	// Actions are in dependency order: every action comes after all of its
	// DependsOn; ties are broken by address.
	Actions   []Action    `json:"actions"`
	Warnings  []Warning   `json:"warnings,omitempty"`
	Unmanaged []Unmanaged `json:"unmanaged,omitempty"`
	Received  []Received  `json:"received,omitempty"`
	Pending   []Pending   `json:"pending,omitempty"`
	// UndeliveredSCIM are the IdPs with SCIM on whose secret an apply asked
	// for and never wrote (read from --secrets-out; see SCIMDeliveries).
	UndeliveredSCIM []UndeliveredSCIMSecret `json:"undelivered_scim_secrets,omitempty"`
	// Reads are the version markers of the live objects the plan was computed
	// from; applying a saved plan first checks that none has moved.
	Reads []Read `json:"reads"`
	// Policy are the findings of the policy checks, denies first (package
	// policy); absent when nothing was found or no policy was declared.
	Policy []PolicyResult `json:"policy,omitempty"`
	// PolicyRules are the built-in rules and waivers the plan was checked
	// against, for apply to check a saved plan again.
	PolicyRules *PolicyRules `json:"policy_rules,omitempty"`
	// ChangedSince is set on a plan made with --changed-since: it covers
	// only the accounts whose declarations changed (Partial).
	ChangedSince *ChangedSince `json:"changed_since,omitempty"`
}

// AccountRef names an account of the plan.
type AccountRef struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Prune bool   `json:"prune,omitempty"`
	// Organization is the organization the file declares for the account;
	// Preflight checks it against the live one before the first write.
	Organization string `json:"organization,omitempty"`
}

// Action is one step of a plan.
//
// Execution semantics, by Resource and Kind (package apply):
//   - idp create: POST Request; the new IdP id is recorded for the IdP's address.
//   - idp update: PUT IDs.IdP with Request. When Request.EnableEncryption is set,
//     the body also carries config.enable_encryption and saml_certificate_set_id
//     (IDs.CertificateSet), so an update never switches encryption off by accident.
//   - idp delete: DELETE IDs.IdP.
//   - idp replace: DELETE IDs.IdP, then POST Request.
//   - Config of an idp update is the live config (less read-only keys) overlaid
//     with the declared keys: undeclared settings are preserved, never wiped.
//   - certificate_set create: POST .../identity_providers/{idp}/saml_certificate
//     (idempotent); the set uid is recorded.
//   - certificate_set rotate: POST .../saml_certificates/{IDs.CertificateSet}/rotate.
//   - encryption update: PUT the IdP with Request, whose EnableEncryption says
//     the target state, with the set uid known or recorded.
//   - grant create: POST {idp_id}; the grant id is recorded. grant delete: DELETE IDs.Grant.
//   - share create: POST Share (recipients) with the grant as resource; the share
//     id is recorded. share delete: DELETE IDs.Share. share replace (switching
//     between account and organization targets): DELETE IDs.Share, then create.
//   - recipient create: POST {recipient_account_id: RecipientAccount} to the share.
//     recipient delete: DELETE IDs.Recipient of IDs.Share.
//
// An id that does not exist at plan time (the IdP is being created) is empty in
// IDs and taken from what an earlier action of the same IdP recorded.
type Action struct {
	Address   string   `json:"address"`
	Action    Kind     `json:"action"`
	Resource  Resource `json:"resource"`
	Reason    Reason   `json:"reason"`
	AccountID string   `json:"account_id"`
	// Account is the account's label (its name, or its id).
	Account string `json:"account"`
	// IdP is the address of the IdP this action belongs to; IdPName its name.
	IdP     string `json:"idp"`
	IdPName string `json:"idp_name"`
	IDs     IDs    `json:"ids"`
	// Before and After are the object as read and as declared, limited to the
	// fields idpsync manages; sensitive values are replaced by SensitiveValue.
	Before  map[string]any `json:"before,omitempty"`
	After   map[string]any `json:"after,omitempty"`
	Changes []Change       `json:"changes,omitempty"`
	// Request is the whole IdP body for idp create/update/replace and encryption update.
	Request *IdPRequest `json:"request,omitempty"`
	// Share is the create-share request for share create.
	Share *ShareRequest `json:"share,omitempty"`
	// RecipientAccount is the recipient of a recipient create or delete.
	RecipientAccount string `json:"recipient_account,omitempty"`
	// DependsOn are the addresses of the actions that must succeed first.
	DependsOn []string `json:"depends_on,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// LosesAccess lists the accounts that lose this login option at once when
	// the action runs (grant delete, recipient removal, share delete).
	LosesAccess []string `json:"loses_access,omitempty"`
	// Lockout are the Access applications (and organizations) that lose a
	// login option when the action runs, as read for this plan (AnalyzeLockout).
	Lockout []Lockout `json:"lockout,omitempty"`
	// LockoutUnread is what the lockout analysis needed for this action and
	// could not read, and why: its consequences are unknown, so it needs
	// --allow-destroy even where the account has prune: true.
	LockoutUnread []LockoutUnread `json:"lockout_unread,omitempty"`
	// Destructive actions need --allow-destroy or the account's prune: true.
	// It informs the reader; apply derives it again from the action itself.
	Destructive bool `json:"destructive,omitempty"`
	// Sources says where a value not written in the desired-state file came
	// from, by change path: {"config.issuer_url": "metadata okta.xml"}. Set on
	// an IdP's create, replace and update.
	Sources map[string]string `json:"sources,omitempty"`
	// SCIMSecret says that the API returns a SCIM secret in this action's
	// response (an IdP whose SCIM is switched on, or a scim_secret rotate):
	// apply writes it under --secrets-out and refuses to start without one.
	SCIMSecret bool `json:"scim_secret,omitempty"`
	// Unverified are the declared config keys of an existing IdP that cannot
	// be read back (write-only secrets), so the plan could not compare them.
	Unverified []string `json:"unverified,omitempty"`
}

// SensitiveValue stands for a sensitive value everywhere a plan shows one.
const SensitiveValue = "(sensitive)"

// IDs are the live ids an action works on, where they exist at plan time.
type IDs struct {
	IdP            string `json:"idp,omitempty"`
	CertificateSet string `json:"certificate_set,omitempty"`
	Grant          string `json:"grant,omitempty"`
	Share          string `json:"share,omitempty"`
	Recipient      string `json:"recipient,omitempty"`
}

// Change is one field-level difference.
type Change struct {
	// Path is the field, e.g. "config.issuer_url" or "name".
	Path   string `json:"path"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
	// Sensitive values are shown as SensitiveValue; WriteOnly ones cannot be
	// read back, so the change says they are sent, not that they differ.
	Sensitive bool `json:"sensitive,omitempty"`
	WriteOnly bool `json:"write_only,omitempty"`
	// Ref is the reference a value came from, e.g. "${env:OKTA_CLIENT_ID}":
	// output shows it instead of the value, which never appears in a plan.
	Ref string `json:"ref,omitempty"`
	// Deferred says the value was not available to the plan and is read at apply.
	Deferred bool `json:"deferred,omitempty"`
}

// IdPRequest is an IdP body without its secret values.
type IdPRequest struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Config has every sensitive key set to SensitiveValue; Secrets says how to
	// resolve each one at apply time.
	Config  map[string]any `json:"config"`
	Secrets []SecretRef    `json:"secrets,omitempty"`
	// EnableEncryption sends config.enable_encryption: true and the certificate set id.
	EnableEncryption bool `json:"enable_encryption,omitempty"`
	// SCIMConfig is the scim_config to send: on a create the declared keys
	// (none when undeclared); on an update the live settings without their
	// read-only keys, overlaid with the declared keys, so that SCIM set up
	// outside idpsync survives an unrelated update (see scimRequest).
	SCIMConfig map[string]any `json:"scim_config,omitempty"`
}

// SecretRef names a secret without holding it.
type SecretRef struct {
	// Key is the config key, e.g. "client_secret".
	Key string `json:"key"`
	// Ref is the expression as written, e.g. "${env:GITHUB_CLIENT_SECRET}".
	Ref string `json:"ref"`
	// BaseDir resolves ${file:...} paths.
	BaseDir string `json:"base_dir,omitempty"`
	// Hash is hex(HMAC-SHA256(key, value)) under a key the plan does not hold
	// (Options.SecretKey): apply checks that the value it resolves is the one
	// the plan was made with. Empty when Deferred.
	Hash string `json:"hash,omitempty"`
	// Root is the configuration root ${file:...} is confined to.
	Root string `json:"root,omitempty"`
	// MetadataURL is set when the value came from the SAML metadata at this
	// URL (Ref is "metadata URL"): apply fetches it again.
	MetadataURL string `json:"metadata_url,omitempty"`
	// Deferred is set when the value was not available to the plan (plan and
	// drift need no secrets): apply reads it and cannot compare it to a hash.
	Deferred bool `json:"deferred,omitempty"`
}

// ShareRequest is what a share create sends besides the grant resource.
type ShareRequest struct {
	Name string `json:"name"`
	// Organization targets the whole organization; otherwise Accounts are the recipients.
	Organization bool     `json:"organization,omitempty"`
	Accounts     []string `json:"accounts,omitempty"`
	// OrganizationID is the account's declared organization: sent with an
	// organization-wide share, so the API checks it.
	OrganizationID string `json:"organization_id,omitempty"`
}

// Warning is something a reviewer should know that is not an action.
type Warning struct {
	Address string `json:"address"`
	// Code is stable; WarningCodes lists them.
	Code    WarningCode `json:"code"`
	Message string      `json:"message"`
	// Detail is optional extra text, e.g. the new certificate's fingerprint.
	Detail string `json:"detail,omitempty"`
}

// Unmanaged is a live IdP that no file declares and that is left alone.
type Unmanaged struct {
	Address   string `json:"address"`
	AccountID string `json:"account_id"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
}

// Received is a read-only federated connection in a declared account.
type Received struct {
	Address     string `json:"address"`
	AccountID   string `json:"account_id"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	FromAccount string `json:"from_account,omitempty"`
	// FromCandidates are the accounts that may have sent it, when more than
	// one received share could have delivered a connection of this name and
	// nothing the API returns says which (FromAccount is then empty).
	FromCandidates []string `json:"from_candidates,omitempty"`
}

// Pending is an asynchronous transition still under way (a share recipient
// associating or disassociating, a share deleting).
type Pending struct {
	Address   string `json:"address"`
	AccountID string `json:"account_id"`
	Status    string `json:"status"`
}

// Read is the version marker of one live object the plan read.
type Read struct {
	Address   string `json:"address"`
	AccountID string `json:"account_id"`
	ID        string `json:"id"`
	// Version is updated_at or modified where the API has one, else a hash of the object.
	Version string `json:"version"`
	// Resource is the kind of object read, so that the id can be looked up again.
	Resource Resource `json:"resource,omitempty"`
}

// Summary counts the actions the way Terraform does: a replace adds and destroys.
type Summary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// Summary counts the plan's actions.
func (p *Plan) Summary() Summary {
	var s Summary
	for _, a := range p.Actions {
		switch a.Action {
		case Create:
			s.Add++
		case Update, Rotate:
			s.Change++
		case Delete:
			s.Destroy++
		case Replace:
			s.Add++
			s.Destroy++
		}
	}
	return s
}

// HasChanges reports whether the plan has any action other than no-op.
func (p *Plan) HasChanges() bool {
	for _, a := range p.Actions {
		if a.Action != NoOp {
			return true
		}
	}
	return false
}
