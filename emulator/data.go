package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Data is the emulator's whole state. It is the JSON form of the data file and
// the way tests seed fixtures (Load) and inspect results (Snapshot).
//
// Secrets are kept here as the API stores them (config.client_secret,
// scim_config.secret), which is why the data file is written with mode 0600.
type Data struct {
	// DefaultOrganizationID is the organization that accounts created by
	// AutoAccounts join. When empty, it is set on first need to
	// SandboxOrganizationID, creating that organization if the data lacks it.
	DefaultOrganizationID string `json:"default_organization_id,omitempty"`
	// ClockOffset is how far AdvanceClock has moved the emulator clock ahead
	// of the wall clock, as a Go duration ("720h").
	ClockOffset string `json:"clock_offset,omitempty"`

	Organizations []Organization `json:"organizations"`
	Accounts      []Account      `json:"accounts"`
	// Zones hold zone-level IdPs, stored with AccountID "zones/<zone id>".
	Zones             []Zone             `json:"zones,omitempty"`
	IdentityProviders []IdentityProvider `json:"identity_providers"`
	CertificateSets   []CertificateSet   `json:"certificate_sets"`
	Grants            []Grant            `json:"grants"`
	Shares            []Share            `json:"shares"`
	Recipients        []Recipient        `json:"recipients"`
	ShareResources    []ShareResource    `json:"share_resources"`
	// AccessApplications and AccessOrganizations are read by idpsync only, to
	// tell who loses a login when an IdP goes; fixtures and tests write them.
	AccessApplications  []AccessApplication  `json:"access_applications,omitempty"`
	AccessOrganizations []AccessOrganization `json:"access_organizations,omitempty"`
	// AuditLog is the accounts' audit log (audit.go): every successful write,
	// and what the emulator does by itself, oldest first.
	AuditLog []AuditEntry `json:"audit_log,omitempty"`
	// AccessPolicies are the Access policies of the accounts and zones: the
	// reusable ones and those of one application (AccessApplication.Policies
	// lists the policies an application uses, in precedence order).
	AccessPolicies []AccessPolicy `json:"access_policies,omitempty"`
}

// AccessApplication is an Access application of an account.
type AccessApplication struct {
	AccountID              string   `json:"account_id"`
	ID                     string   `json:"id"`
	Name                   string   `json:"name"`
	Domain                 string   `json:"domain,omitempty"`
	Type                   string   `json:"type"`
	AUD                    string   `json:"aud"`
	AllowedIdPs            []string `json:"allowed_idps"`
	AutoRedirectToIdentity bool     `json:"auto_redirect_to_identity"`
	SessionDuration        string   `json:"session_duration"`
	// Policies are the ids of the policies the application uses, its own and
	// reusable ones, in precedence order.
	Policies  []string  `json:"policies,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AccessPolicy is an Access policy: a reusable one of the account, or one
// application's own. Rules are stored as the JSON objects they are sent as.
type AccessPolicy struct {
	AccountID string           `json:"account_id"`
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Decision  string           `json:"decision"`
	Include   []map[string]any `json:"include"`
	Require   []map[string]any `json:"require,omitempty"`
	Exclude   []map[string]any `json:"exclude,omitempty"`
	Reusable  bool             `json:"reusable,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// AccessOrganization is the Zero Trust organization of one account. Every
// account has one; normalize creates those a fixture leaves out.
type AccessOrganization struct {
	AccountID              string `json:"account_id"`
	Name                   string `json:"name"`
	AuthDomain             string `json:"auth_domain"`
	AutoRedirectToIdentity bool   `json:"auto_redirect_to_identity"`
	SessionDuration        string `json:"session_duration"`
}

// Zone is a Cloudflare zone. Zones carry identity providers only: the API
// serves /zones/{zone_id}/access/identity_providers[/{id}] (the SDK builds
// both path forms, cloudflare-go v7.9.0 zero_trust/identityprovider.go), and
// nothing else idpsync manages.
type Zone struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Organization is a Cloudflare organization; accounts belong to at most one.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Account is a Cloudflare account. An empty OrganizationID means the account
// belongs to no organization, so it can neither federate nor share.
type Account struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	OrganizationID string `json:"organization_id,omitempty"`
}

// IdentityProvider is a stored IdP, secrets included.
type IdentityProvider struct {
	AccountID            string         `json:"account_id"`
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	Type                 string         `json:"type"`
	Config               map[string]any `json:"config"`
	SCIMConfig           map[string]any `json:"scim_config,omitempty"`
	SAMLCertificateSetID string         `json:"saml_certificate_set_id,omitempty"`
	ReadOnly             bool           `json:"read_only,omitempty"`
	CreatedAt            time.Time      `json:"created_at"`
}

// CertificateSet is a SAML encryption certificate set of one IdP.
type CertificateSet struct {
	AccountID string       `json:"account_id"`
	IdPID     string       `json:"idp_id"`
	UID       string       `json:"uid"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	Current   *Certificate `json:"current_certificate,omitempty"`
	Previous  *Certificate `json:"previous_certificate,omitempty"`
}

// Certificate is one certificate of a set.
type Certificate struct {
	UID               string    `json:"uid"`
	PublicCertificate string    `json:"public_certificate"`
	NotAfter          time.Time `json:"not_after"`
}

// Grant is an IdP federation grant.
type Grant struct {
	AccountID string    `json:"account_id"`
	ID        string    `json:"id"`
	IdPID     string    `json:"idp_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Share is a resource-sharing share. Status is active, deleting or deleted;
// a transitional status completes once the emulator clock reaches SettleAt.
type Share struct {
	ID         string    `json:"id"`
	AccountID  string    `json:"account_id"`
	Name       string    `json:"name"`
	TargetType string    `json:"target_type"`
	Status     string    `json:"status"`
	SettleAt   time.Time `json:"settle_at,omitzero"`
	Created    time.Time `json:"created"`
	Modified   time.Time `json:"modified"`
}

// Recipient is one recipient account of a share. Records are never removed:
// a removed recipient ends up disassociated.
type Recipient struct {
	ID                string    `json:"id"`
	ShareID           string    `json:"share_id"`
	AccountID         string    `json:"account_id"`
	AssociationStatus string    `json:"association_status"`
	SettleAt          time.Time `json:"settle_at,omitzero"`
	Created           time.Time `json:"created"`
	Modified          time.Time `json:"modified"`
}

// ShareResource is a resource carried by a share.
type ShareResource struct {
	ID                string         `json:"id"`
	ShareID           string         `json:"share_id"`
	ResourceID        string         `json:"resource_id"`
	ResourceType      string         `json:"resource_type"`
	ResourceAccountID string         `json:"resource_account_id"`
	Meta              map[string]any `json:"meta"`
	Status            string         `json:"status"`
	SettleAt          time.Time      `json:"settle_at,omitzero"`
	Version           int            `json:"resource_version"`
	Created           time.Time      `json:"created"`
	Modified          time.Time      `json:"modified"`
}

// clone deep-copies d through its JSON form, which is also the persisted form,
// so a copy never shares maps or slices with the live state.
func (d *Data) clone() (*Data, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var out Data
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// validate checks the references a hand-written fixture is most likely to get wrong.
//
// Its errors name an entry by its list and index, never by a value: the data
// file holds the secrets applied to the sandbox, and a value where an id
// belongs may be one (as readDataFile, which says where, not what).
func (d *Data) validate() error {
	if d.ClockOffset != "" {
		// time.ParseDuration's error quotes the value.
		if _, err := time.ParseDuration(d.ClockOffset); err != nil {
			return errors.New("clock_offset: not a Go duration such as 36h")
		}
	}
	orgs := map[string]bool{}
	for i, o := range d.Organizations {
		if !isHex32(o.ID) {
			return fmt.Errorf("organizations[%d]: id must be 32 lowercase hex characters", i)
		}
		orgs[o.ID] = true
	}
	if d.DefaultOrganizationID != "" && !orgs[d.DefaultOrganizationID] {
		return errors.New("default_organization_id: no such organization")
	}
	accounts := map[string]bool{}
	for i, a := range d.Accounts {
		if !isHex32(a.ID) {
			return fmt.Errorf("accounts[%d]: id must be 32 lowercase hex characters", i)
		}
		if a.OrganizationID != "" && !orgs[a.OrganizationID] {
			return fmt.Errorf("accounts[%d]: no such organization", i)
		}
		accounts[a.ID] = true
	}
	owners := maps.Clone(accounts)
	for i, z := range d.Zones {
		if !isHex32(z.ID) {
			return fmt.Errorf("zones[%d]: id must be 32 lowercase hex characters", i)
		}
		owners[zoneKey(z.ID)] = true
	}
	for i, p := range d.IdentityProviders {
		if !owners[p.AccountID] {
			return fmt.Errorf("identity_providers[%d]: no such account or zone", i)
		}
		if p.ID == "" || p.Type == "" {
			return fmt.Errorf("identity_providers[%d]: id and type are required", i)
		}
	}
	for i, g := range d.Grants {
		if !accounts[g.AccountID] {
			return fmt.Errorf("grants[%d]: no such account", i)
		}
	}
	for i, s := range d.Shares {
		if !accounts[s.AccountID] {
			return fmt.Errorf("shares[%d]: no such account", i)
		}
	}
	for i, a := range d.AccessApplications {
		if !owners[a.AccountID] {
			return fmt.Errorf("access_applications[%d]: no such account or zone", i)
		}
		if a.ID == "" {
			return fmt.Errorf("access_applications[%d]: id is required", i)
		}
	}
	policies := map[[2]string]bool{}
	for i, p := range d.AccessPolicies {
		if !owners[p.AccountID] {
			return fmt.Errorf("access_policies[%d]: no such account or zone", i)
		}
		if p.ID == "" {
			return fmt.Errorf("access_policies[%d]: id is required", i)
		}
		if !slices.Contains(policyDecisions, p.Decision) {
			return fmt.Errorf("access_policies[%d]: decision must be one of %s", i, strings.Join(policyDecisions, ", "))
		}
		policies[[2]string{p.AccountID, p.ID}] = true
	}
	for i, a := range d.AccessApplications {
		for j, id := range a.Policies {
			if !policies[[2]string{a.AccountID, id}] {
				return fmt.Errorf("access_applications[%d].policies[%d]: no such policy in its account or zone", i, j)
			}
		}
	}
	orgOf := map[string]bool{}
	for i, o := range d.AccessOrganizations {
		if !owners[o.AccountID] {
			return fmt.Errorf("access_organizations[%d]: no such account or zone", i)
		}
		if orgOf[o.AccountID] {
			return fmt.Errorf("access_organizations[%d]: its account or zone already has one", i)
		}
		orgOf[o.AccountID] = true
	}
	return nil
}

// normalize fills what a fixture may leave out, so that seeds stay short.
// With autoOrgs (the AccessOrganization leniency), every account without an
// Access organization gets the default one.
func (d *Data) normalize(now time.Time, autoOrgs bool) {
	hasOrg := map[string]bool{}
	for _, o := range d.AccessOrganizations {
		hasOrg[o.AccountID] = true
	}
	for _, a := range d.Accounts {
		if autoOrgs && !hasOrg[a.ID] {
			d.AccessOrganizations = append(d.AccessOrganizations, defaultAccessOrganization(a.ID))
		}
	}
	for i := range d.AccessApplications {
		a := &d.AccessApplications[i]
		if a.Type == "" {
			a.Type = "self_hosted"
		}
		if a.AllowedIdPs == nil {
			a.AllowedIdPs = []string{}
		}
		if a.SessionDuration == "" {
			a.SessionDuration = "24h"
		}
		if a.AUD == "" {
			a.AUD = newHex32() + newHex32()
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt, a.UpdatedAt = now, now
		}
	}
	for i := range d.IdentityProviders {
		p := &d.IdentityProviders[i]
		if p.Config == nil {
			p.Config = map[string]any{}
		}
		if p.CreatedAt.IsZero() {
			p.CreatedAt = now
		}
	}
	for i := range d.Shares {
		s := &d.Shares[i]
		if s.Status == "" {
			s.Status = "active"
		}
		if s.TargetType == "" {
			s.TargetType = "account"
		}
		if s.Created.IsZero() {
			s.Created, s.Modified = now, now
		}
	}
	for i := range d.Recipients {
		r := &d.Recipients[i]
		if r.AssociationStatus == "" {
			r.AssociationStatus = "associated"
		}
		if r.Created.IsZero() {
			r.Created, r.Modified = now, now
		}
	}
	for i := range d.ShareResources {
		r := &d.ShareResources[i]
		if r.Status == "" {
			r.Status = "active"
		}
		if r.Meta == nil {
			r.Meta = map[string]any{}
		}
		if r.Version == 0 {
			r.Version = 1
		}
		if r.Created.IsZero() {
			r.Created, r.Modified = now, now
		}
	}
}

// MaxDataFile bounds the data file the emulator loads: a sandbox of
// thousands of IdPs is a few MiB, and a file swapped for a device or a huge
// one must not exhaust memory.
const MaxDataFile = 256 << 20

func readDataFile(path string) (*Data, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxDataFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxDataFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, MaxDataFile>>20)
	}
	var d Data
	if err := json.Unmarshal(b, &d); err != nil {
		// The file holds the secrets applied to the sandbox, and a JSON
		// type error quotes the value it met ("number 1234"): say where,
		// not what.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("parse %s: not valid JSON at byte %d", path, se.Offset)
		}
		return nil, fmt.Errorf("parse %s: not an emulator data file", path)
	}
	return &d, nil
}

// writeDataFile replaces path atomically: a reader (or a crash) sees either the
// old file or the new one, never a torn write.
func writeDataFile(path string, d *Data) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".emulator-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if df, err := os.Open(dir); err == nil {
		// Best effort: make the rename itself durable.
		_ = df.Sync()
		df.Close()
	}
	return nil
}

// The status, target, kind and resource-type values of shares and recipients,
// as the OpenAPI subset spells them. The emulator keeps its own copy rather
// than the client's, so that a wrong value on one side fails the tests.
const (
	shareActive   = "active"
	shareDeleting = "deleting"
	shareDeleted  = "deleted"

	associating    = "associating"
	associated     = "associated"
	disassociating = "disassociating"
	disassociated  = "disassociated"

	targetAccount      = "account"
	targetOrganization = "organization"

	kindSent     = "sent"
	kindReceived = "received"

	resourceFederationGrant = "idp-federation-grant"
)
