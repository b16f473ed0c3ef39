package tfimport

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/state"
)

// The share resources of provider v5, folded into federation.share_with.
//
// cloudflare_share (internal/services/share/schema.go at v5.22.0): id
// (Computed), account_id, name (Required), recipients (Required list of
// {organization_id, recipient_account_id}), resources (Required list of
// {meta, resource_account_id, resource_id, resource_type}); Computed:
// account_name, the four *_recipient_count, created, kind, modified,
// organization_id, status, target_type.
//
// cloudflare_share_recipient (internal/services/share_recipient/schema.go):
// id (Computed), account_id, share_id (Required), organization_id,
// recipient_account_id (Optional); Computed: association_status, created,
// modified, resources.
//
// cloudflare_share_resource (internal/services/share_resource/schema.go):
// id (Computed), account_id, share_id, resource_account_id, resource_id,
// resource_type, meta (Required); Computed: created, modified,
// resource_version, status.
//
// The federation grant itself is not a resource of v5.22.0: a share names
// its grant by resource_id, and the IdP the grant is of is found by the
// share's name ("Identity provider: NAME", as the dashboard and idpsync name
// grant shares, REFERENCE.md §5.3) or given with Options.Grants.

var computedShare = []string{"account_name", "associated_recipient_count", "associating_recipient_count",
	"created", "disassociated_recipient_count", "disassociating_recipient_count", "kind", "modified", "status"}

var computedRecipient = []string{"association_status", "created", "modified", "resources"}

var computedShareResource = []string{"created", "modified", "resource_version", "status"}

// Known attributes besides the computed ones; anything else is reported.
var (
	knownShare         = []string{"id", "account_id", "name", "recipients", "resources", "organization_id", "target_type"}
	knownRecipient     = []string{"id", "account_id", "share_id", "organization_id", "recipient_account_id"}
	knownShareResource = []string{"id", "account_id", "share_id", "resource_account_id", "resource_id", "resource_type", "meta"}
)

// grantID is the shape of a federation grant id: an identifier of at most
// 32 characters (REFERENCE.md §1.3); hex in every example.
var grantID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`) })

type shareEntry struct {
	rs         *res
	account    string
	id, name   string
	status     string
	targetType string
	orgID      string
	// orgRecipient is set when a recipient names an organization.
	orgRecipient bool
	accounts     []string
	grants       []string
	others       []string // types of other resources carried
	members      []*res   // recipient and resource instances folded in
}

type recipientEntry struct {
	rs               *res
	account, shareID string
	recipient, org   string
	status           string
}

type resourceEntry struct {
	rs                       *res
	account, shareID         string
	resourceID, resourceType string
	resourceAccount          string
	status                   string
}

func (c *converter) shareVersion(rs *res) error {
	_, err := rs.schemaVersion(0, 1, 500)
	return err
}

func shareAccount(rs *res) (string, error) {
	acct := str(rs.r.Values["account_id"])
	if !hex32().MatchString(acct) {
		return "", fmt.Errorf("%s: account_id is not 32 lowercase hex characters", rs)
	}
	return acct, nil
}

func (c *converter) share(rs *res) error {
	if err := c.shareVersion(rs); err != nil {
		return err
	}
	acct, err := shareAccount(rs)
	if err != nil {
		return err
	}
	v := rs.r.Values
	sh := &shareEntry{rs: rs, account: acct, id: str(v["id"]), name: str(v["name"]), status: str(v["status"]),
		targetType: str(v["target_type"]), orgID: str(v["organization_id"])}
	if sh.id == "" {
		return fmt.Errorf("%s: no id (the share does not exist yet; apply Terraform first)", rs)
	}
	recips, _ := v["recipients"].([]any)
	for _, r := range recips {
		m, _ := r.(map[string]any)
		switch {
		case str(m["recipient_account_id"]) != "":
			sh.accounts = append(sh.accounts, str(m["recipient_account_id"]))
		default:
			// An organization_id, or neither: the caller's organization
			// (REFERENCE.md §5.1, recipient request).
			sh.orgRecipient = true
		}
	}
	resources, _ := v["resources"].([]any)
	for _, r := range resources {
		m, _ := r.(map[string]any)
		if str(m["resource_type"]) == string(idptype.ResourceFederationGrant) {
			if ra := str(m["resource_account_id"]); ra != "" && ra != acct {
				return fmt.Errorf("%s: shares a federation grant of another account; idpsync shares an IdP from its own account", rs)
			}
			sh.grants = append(sh.grants, str(m["resource_id"]))
		} else {
			sh.others = append(sh.others, str(m["resource_type"]))
		}
	}
	if c.shares == nil {
		c.shares = map[string]map[string]*shareEntry{}
	}
	if c.shares[acct] == nil {
		c.shares[acct] = map[string]*shareEntry{}
	}
	if prev := c.shares[acct][sh.id]; prev != nil {
		return fmt.Errorf("%s and %s both manage share %s", prev.rs, rs, sh.id)
	}
	c.shares[acct][sh.id] = sh
	return nil
}

func (c *converter) recipient(rs *res) error {
	if err := c.shareVersion(rs); err != nil {
		return err
	}
	acct, err := shareAccount(rs)
	if err != nil {
		return err
	}
	v := rs.r.Values
	c.recipients = append(c.recipients, &recipientEntry{rs: rs, account: acct, shareID: str(v["share_id"]),
		recipient: str(v["recipient_account_id"]), org: str(v["organization_id"]), status: str(v["association_status"])})
	return nil
}

func (c *converter) shareResource(rs *res) error {
	if err := c.shareVersion(rs); err != nil {
		return err
	}
	acct, err := shareAccount(rs)
	if err != nil {
		return err
	}
	v := rs.r.Values
	c.resources = append(c.resources, &resourceEntry{rs: rs, account: acct, shareID: str(v["share_id"]),
		resourceID: str(v["resource_id"]), resourceType: str(v["resource_type"]),
		resourceAccount: str(v["resource_account_id"]), status: str(v["status"])})
	return nil
}

// fold attaches recipients and resources to their shares, and each share
// carrying a grant to the grant's IdP.
func (c *converter) fold() error {
	for _, re := range c.resources {
		sh := c.shares[re.account][re.shareID]
		isGrant := re.resourceType == string(idptype.ResourceFederationGrant)
		if sh == nil {
			if isGrant {
				return fmt.Errorf("%s: shares federation grant %s through share %s, which is not in this state; import the state that manages the share too", re.rs, quote(clip(re.resourceID, 40)), quote(clip(re.shareID, 40)))
			}
			c.skip(re.rs.String(), "", "a share resource of a share not in this state; left in Terraform")
			continue
		}
		if !isGrant {
			sh.others = append(sh.others, re.resourceType)
			c.skip(re.rs.String(), "", fmt.Sprintf("resource_type %s is not an IdP federation grant; left in Terraform", quote(clip(re.resourceType, 40))))
			continue
		}
		if re.status == string(idptype.ShareDeleting) || re.status == string(idptype.ShareDeleted) {
			c.skip(re.rs.String(), "", "status "+re.status+": the grant is leaving the share; left in Terraform")
			continue
		}
		if re.resourceAccount != "" && re.resourceAccount != re.account {
			return fmt.Errorf("%s: shares a federation grant of another account; idpsync shares an IdP from its own account", re.rs)
		}
		sh.grants = append(sh.grants, re.resourceID)
		sh.members = append(sh.members, re.rs)
	}
	for _, rc := range c.recipients {
		sh := c.shares[rc.account][rc.shareID]
		if sh == nil {
			c.skip(rc.rs.String(), "", "a recipient of a share not in this state; left in Terraform")
			continue
		}
		sh.members = append(sh.members, rc.rs)
		switch {
		case rc.status == string(idptype.Disassociating) || rc.status == string(idptype.Disassociated):
			// Removed already: the API keeps such records (REFERENCE.md §5.2).
		case rc.recipient != "":
			sh.accounts = append(sh.accounts, rc.recipient)
		default:
			sh.orgRecipient = true
		}
	}

	accounts := make([]string, 0, len(c.shares))
	for a := range c.shares {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	for _, acct := range accounts {
		ids := make([]string, 0, len(c.shares[acct]))
		for id := range c.shares[acct] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if err := c.foldShare(c.shares[acct][id]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *converter) foldShare(sh *shareEntry) error {
	addr := sh.rs.String()
	if len(sh.grants) == 0 {
		c.skip(addr, "", "carries no IdP federation grant; left in Terraform")
		for _, m := range sh.members {
			c.skip(m.String(), "", "belongs to a share that carries no IdP federation grant; left in Terraform")
		}
		return nil
	}
	if sh.status == string(idptype.ShareDeleting) || sh.status == string(idptype.ShareDeleted) {
		return fmt.Errorf("%s: status %s; finish or undo the deletion in Terraform, then import", addr, sh.status)
	}
	if len(sh.grants) > 1 {
		return fmt.Errorf("%s: carries %d federation grants; idpsync keeps one share per IdP: split the share in Terraform, then import", addr, len(sh.grants))
	}
	grant := sh.grants[0]
	if !grantID().MatchString(grant) {
		return fmt.Errorf("%s: the resource_id of its idp-federation-grant is not a grant id", addr)
	}
	entry, err := c.grantIdP(sh, grant)
	if err != nil {
		return err
	}
	idp := entry.idp
	if idp.Grant != nil {
		return fmt.Errorf("%s: the IdP %q is already shared by share %s; idpsync keeps one share per IdP (it deletes a second as a duplicate): merge the shares in Terraform, then import", addr, idp.Name, idp.Grant.Share.ID)
	}
	if t := idptype.Types[idp.Type]; !t.Federable {
		return fmt.Errorf("%s: shares IdP %q of type %s, which the API does not federate", addr, idp.Name, idp.Type)
	}

	target := idptype.ShareTarget(sh.targetType)
	if target == "" {
		target = idptype.TargetAccount
		if sh.orgRecipient {
			target = idptype.TargetOrganization
		}
	}
	if target != idptype.TargetAccount && target != idptype.TargetOrganization {
		return fmt.Errorf("%s: target_type %s, expected account or organization", addr, quote(clip(sh.targetType, 20)))
	}
	live := &state.LiveShare{ID: sh.id, Name: sh.name, Status: idptype.ShareActive, TargetType: target,
		OrganizationID: sh.orgID, GrantID: grant}
	slices.Sort(sh.accounts)
	for _, a := range slices.Compact(sh.accounts) {
		if !hex32().MatchString(a) {
			return fmt.Errorf("%s: a recipient account id is not 32 lowercase hex characters", addr)
		}
		live.Recipients = append(live.Recipients, &state.LiveRecipient{AccountID: a, Status: idptype.Associated})
	}
	if target == idptype.TargetAccount && len(live.Recipients) == 0 {
		c.gap(addr, "recipients", fmt.Sprintf("the share of IdP %q has no recipient, and share_with cannot be empty: the YAML declares no federation, so plan deletes the grant and this share (no account has access through them)", idp.Name))
	}
	if target == idptype.TargetOrganization && len(live.Recipients) > 0 {
		c.warn("%s: shared with the organization and with listed accounts; the YAML shares with the organization, which includes them", addr)
	}
	if len(sh.others) > 0 {
		c.warn("%s: also carries %s; idpsync manages the share as the share of IdP %q, and deleting that federation would delete the share with them", addr, strings.Join(cleanAll(sh.others), ", "), idp.Name)
	}
	idp.Grant = &state.LiveGrant{ID: grant, IdPID: idp.ID, Share: live}
	if sh.orgID != "" {
		a := c.account(sh.account)
		if a.Organization == "" {
			a.Organization = sh.orgID
		}
	}

	c.imported(sh.rs, "v5")
	c.skipShareAttrs(sh.rs, "name", "idpsync does not compare share names (it names the shares it creates \"Identity provider: NAME\")")
	c.skipComputed(sh.rs, computedShare)
	c.skipUnknown(sh.rs, knownShare, computedShare)
	for _, m := range sh.members {
		c.imported(m, "v5")
		switch m.r.Type {
		case typeRecipient:
			c.skipComputed(m, computedRecipient)
			c.skipUnknown(m, knownRecipient, computedRecipient)
		case typeShareRes:
			c.skipComputed(m, computedShareResource)
			c.skipUnknown(m, knownShareResource, computedShareResource)
			c.skipMeta(m, m.r.Values["meta"])
		}
	}
	for _, r := range listOf(sh.rs.r.Values["resources"]) {
		m, _ := r.(map[string]any)
		c.skipMeta(sh.rs, m["meta"])
	}
	return nil
}

// grantIdP finds the IdP a grant is of.
func (c *converter) grantIdP(sh *shareEntry, grant string) (*idpEntry, error) {
	addr := sh.rs.String()
	if c.byName == nil {
		c.byName = map[string]map[string][]*idpEntry{}
		for owner, idps := range c.idps {
			m := map[string][]*idpEntry{}
			for _, e := range idps {
				m[e.idp.Name] = append(m[e.idp.Name], e)
			}
			c.byName[owner] = m
		}
	}
	byName := func(name string) ([]*idpEntry, bool) {
		out := c.byName[sh.account][name]
		return out, len(out) == 1
	}
	hint := fmt.Sprintf("name it with --grant %s=IDP_NAME", ShellQuote(grant))
	if name, ok := c.opts.Grants[grant]; ok {
		found, one := byName(name)
		if !one {
			return nil, fmt.Errorf("%s: --grant names IdP %q for grant %s, and account %s has %d IdPs of that name in this state", addr, name, quote(grant), sh.account, len(found))
		}
		return found[0], nil
	}
	if name, ok := strings.CutPrefix(sh.name, "Identity provider: "); ok {
		if found, one := byName(name); one {
			return found[0], nil
		}
	}
	return nil, fmt.Errorf("%s: shares federation grant %s, and the state does not say which IdP the grant is of (the share is not named \"Identity provider: NAME\" after one IdP of account %s in this state): %s", addr, quote(clip(grant, 40)), sh.account, hint)
}

func (c *converter) skipShareAttrs(rs *res, attr, why string) {
	if !empty(rs.r.Values[attr]) {
		c.skip(rs.String(), attr, why)
	}
}

func (c *converter) skipComputed(rs *res, attrs []string) {
	for _, a := range attrs {
		if !empty(rs.r.Values[a]) {
			c.skip(rs.String(), a, "computed by Cloudflare")
		}
	}
}

func (c *converter) skipUnknown(rs *res, known, computed []string) {
	for _, k := range sortedKeys(rs.r.Values) {
		if !slices.Contains(known, k) && !slices.Contains(computed, k) && !empty(rs.r.Values[k]) {
			c.skip(rs.String(), Clean(clip(k, 60)), "not an attribute this importer knows")
		}
	}
}

// skipMeta reports a grant resource's meta unless it is the {} idpsync sends.
func (c *converter) skipMeta(rs *res, meta any) {
	s := strings.Join(strings.Fields(str(meta)), "")
	if s == "" || s == "{}" || s == "null" {
		return
	}
	c.skip(rs.String(), "meta", "idpsync sends {} as the meta of an IdP federation grant")
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func cleanAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = quote(clip(x, 40))
	}
	return out
}
