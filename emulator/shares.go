package emulator

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/idpsync/idpsync/idptype"
)

var sharePages = pageSpec{defPerPage: 20, maxPerPage: 100, optional: true}

var resourceTypes = []string{
	"custom-ruleset", "gateway-policy", "gateway-destination-ip", "gateway-block-page-settings",
	"gateway-extended-email-matching", resourceFederationGrant, "trust-grant",
}

var activeAssociation = []string{associating, associated}

// renderShare shows s as the calling account sees it: sent by it or received.
func (c *call) renderShare(s *Share, withResources, withCounts bool) wireShare {
	out := wireShare{
		ID: s.ID, Name: s.Name, AccountID: s.AccountID, AccountName: c.e.accountName(s.AccountID),
		OrganizationID: c.e.orgOf(s.AccountID), Created: s.Created, Modified: s.Modified,
		Status: idptype.ShareStatus(s.Status), TargetType: idptype.ShareTarget(s.TargetType), Kind: kindSent,
	}
	if s.AccountID != c.account.ID {
		out.Kind = kindReceived
	}
	if withResources {
		out.Resources = []wireShareResource{}
		for _, r := range c.e.resourcesOf(s.ID) {
			out.Resources = append(out.Resources, renderResource(r))
		}
	}
	if withCounts {
		counts := map[string]int{}
		for _, r := range c.e.recipientsOf(s.ID) {
			counts[r.AssociationStatus]++
		}
		n := func(k string) *int { v := counts[k]; return &v }
		out.AssociatedRecipientCount = n(associated)
		out.AssociatingRecipientCount = n(associating)
		out.DisassociatedRecipientCount = n(disassociated)
		out.DisassociatingRecipientCount = n(disassociating)
	}
	return out
}

func renderResource(r *ShareResource) wireShareResource {
	meta := r.Meta
	if meta == nil {
		meta = map[string]any{}
	}
	return wireShareResource{
		ID: r.ID, ResourceID: r.ResourceID, ResourceType: idptype.ResourceType(r.ResourceType), ResourceAccountID: r.ResourceAccountID,
		Meta: meta, Status: idptype.ShareStatus(r.Status), Created: r.Created, Modified: r.Modified, ResourceVersion: r.Version,
	}
}

func (c *call) renderRecipient(r *Recipient, withResources bool) wireRecipient {
	out := wireRecipient{ID: r.ID, AccountID: r.AccountID, AssociationStatus: idptype.RecipientStatus(r.AssociationStatus), Created: r.Created, Modified: r.Modified}
	if withResources {
		out.Resources = []wireRecipientResource{}
		for _, res := range c.e.resourcesOf(r.ShareID) {
			if res.Status != shareDeleted {
				out.Resources = append(out.Resources, wireRecipientResource{ResourceID: res.ResourceID, ResourceVersion: res.Version})
			}
		}
	}
	return out
}

// receives reports whether accountID is a current recipient of s.
func (e *Emulator) receives(s *Share, accountID string) bool {
	r := e.findRecipient(s.ID, accountID)
	return r != nil && r.AssociationStatus != disassociated
}

// lookupShare finds the path's share. Only the owner may change a share or see
// its recipients and resources; a recipient may read the share itself.
func (c *call) lookupShare(ownerOnly bool) (*Share, *apiError) {
	id := c.r.PathValue("share_id")
	s := c.e.findShare(id)
	if s == nil || (s.AccountID != c.account.ID && (ownerOnly || !c.e.receives(s, c.account.ID))) {
		return nil, notFound(CodeShareNotFound, "share %s not found in account %s", id, c.account.ID)
	}
	return s, nil
}

func (c *call) lookupActiveShare() (*Share, *apiError) {
	s, err := c.lookupShare(true)
	if err != nil {
		return nil, err
	}
	if s.Status != shareActive {
		return nil, badRequest(CodeShareDeleting, "share %s is %s and can no longer be changed", s.ID, s.Status)
	}
	return s, nil
}

func listShares(c *call) reply {
	q := c.r.URL.Query()
	filters := map[string][]string{
		"status":      {shareActive, shareDeleting, shareDeleted},
		"kind":        {kindSent, kindReceived},
		"target_type": {targetAccount, targetOrganization},
		"order":       {"name", "created"},
		"direction":   {"asc", "desc"},
	}
	for name, allowed := range filters {
		if v := q.Get(name); v != "" && !slices.Contains(allowed, v) {
			return fail(badRequest(CodeInvalidValue, "query parameter %s must be one of %s, got %q", name, strings.Join(allowed, ", "), v))
		}
	}
	var types []string
	for _, v := range q["resource_types"] {
		for _, t := range strings.Split(v, ",") {
			if !slices.Contains(resourceTypes, t) {
				return fail(badRequest(CodeInvalidValue, "resource_types: %q is not a resource type", t))
			}
			types = append(types, t)
		}
	}
	withRes, err := c.boolQuery("include_resources")
	if err != nil {
		return fail(err)
	}
	withCounts, err := c.boolQuery("include_recipient_counts")
	if err != nil {
		return fail(err)
	}
	if len(q["tag"]) > 20 {
		return fail(badRequest(CodeInvalidValue, "at most 20 tag parameters are allowed"))
	}

	var picked []*Share
	total := 0
	for _, s := range c.e.sharesSeenBy(c.account.ID) {
		kind := ""
		switch {
		case s.AccountID == c.account.ID:
			kind = kindSent
		case c.e.receives(s, c.account.ID):
			kind = kindReceived
		default:
			continue
		}
		total++
		if v := q.Get("kind"); v != "" && v != kind {
			continue
		}
		if v := q.Get("status"); v != "" && v != s.Status {
			continue
		}
		if v := q.Get("target_type"); v != "" && v != s.TargetType {
			continue
		}
		if len(q["tag"]) > 0 {
			continue // shares carry no tags in this API version, so no tag filter matches
		}
		if len(types) > 0 && !slices.ContainsFunc(c.e.resourcesOf(s.ID), func(r *ShareResource) bool {
			return slices.Contains(types, r.ResourceType)
		}) {
			continue
		}
		picked = append(picked, s)
	}
	desc := q.Get("direction") == "desc"
	slices.SortStableFunc(picked, func(a, b *Share) int {
		var r int
		if q.Get("order") == "name" {
			r = cmp.Or(strings.Compare(a.Name, b.Name), a.Created.Compare(b.Created))
		} else {
			r = a.Created.Compare(b.Created)
		}
		r = cmp.Or(r, strings.Compare(a.ID, b.ID))
		if desc {
			return -r
		}
		return r
	})
	items := make([]wireShare, 0, len(picked))
	for _, s := range picked {
		items = append(items, c.renderShare(s, withRes, withCounts))
	}
	return listFiltered(c, items, total, sharePages)
}

func getShare(c *call) reply {
	s, err := c.lookupShare(false)
	if err != nil {
		return fail(err)
	}
	withRes, err := c.boolQuery("include_resources")
	if err != nil {
		return fail(err)
	}
	withCounts, err := c.boolQuery("include_recipient_counts")
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, c.renderShare(s, withRes, withCounts))
}

type recipientReq struct {
	RecipientAccountID string `json:"recipient_account_id"`
	AccountID          string `json:"account_id"` // deprecated alias of recipient_account_id
	OrganizationID     string `json:"organization_id"`
}

type resourceReq struct {
	ResourceID        *string         `json:"resource_id"`
	ResourceType      *string         `json:"resource_type"`
	ResourceAccountID *string         `json:"resource_account_id"`
	Meta              *map[string]any `json:"meta"`
}

// resolveRecipients validates recipient requests. It returns the recipient
// accounts, or org=true when the requests target the caller's organization.
func (c *call) resolveRecipients(reqs []recipientReq) (accounts []string, org bool, err *apiError) {
	callerOrg := c.account.OrganizationID
	var byAccount bool
	for i, r := range reqs {
		where := fmt.Sprintf("recipients[%d]", i)
		acct := cmp.Or(r.RecipientAccountID, r.AccountID)
		if r.RecipientAccountID != "" && r.AccountID != "" && r.RecipientAccountID != r.AccountID {
			return nil, false, badRequest(CodeInvalidValue, "%s: recipient_account_id and its deprecated alias account_id disagree", where)
		}
		if acct != "" && r.OrganizationID != "" {
			return nil, false, badRequest(CodeInvalidValue, "%s: give either recipient_account_id or organization_id, not both", where)
		}
		if callerOrg == "" {
			return nil, false, badRequest(CodeNoOrganization, "account %s does not belong to an organization, so it cannot share with other accounts", c.account.ID)
		}
		if acct == "" {
			if r.OrganizationID != "" && r.OrganizationID != callerOrg {
				return nil, false, badRequest(CodeRecipientOrg, "%s: organization %s is not the organization of account %s", where, r.OrganizationID, c.account.ID)
			}
			org = true
			continue
		}
		byAccount = true
		if acct == c.account.ID {
			return nil, false, badRequest(CodeRecipientSelf, "%s: account %s owns the share and cannot be its recipient", where, acct)
		}
		a := c.e.findAccount(acct)
		if a == nil {
			if !c.e.opts.AutoAccounts || !isHex32(acct) {
				return nil, false, badRequest(CodeRecipientUnknown, "%s: account %s does not exist", where, acct)
			}
			a = c.e.createAutoAccount(acct, c.now)
			c.dirty = true
			callerOrg = c.e.orgOf(c.account.ID) // c.account may have moved with the append
			c.account = c.e.findAccount(c.account.ID)
		}
		if a.OrganizationID != callerOrg {
			return nil, false, badRequest(CodeRecipientOrg, "%s: account %s is not in the organization of account %s; shares reach only accounts of the same organization", where, acct, c.account.ID)
		}
		if !slices.Contains(accounts, acct) {
			accounts = append(accounts, acct)
		}
	}
	if org && byAccount {
		return nil, false, badRequest(CodeRecipientMixedKind, "recipients mix the whole organization with single accounts; use one or the other")
	}
	return accounts, org, nil
}

// validateResource checks one resource request against the owner's account.
func (c *call) validateResource(r resourceReq, where string) *apiError {
	switch {
	case r.ResourceID == nil || *r.ResourceID == "":
		return badRequest(CodeMissingField, "%sresource_id is required", where)
	case r.ResourceType == nil || *r.ResourceType == "":
		return badRequest(CodeMissingField, "%sresource_type is required", where)
	case r.ResourceAccountID == nil || *r.ResourceAccountID == "":
		return badRequest(CodeMissingField, "%sresource_account_id is required", where)
	case r.Meta == nil || *r.Meta == nil:
		return badRequest(CodeMissingField, "%smeta is required (an object, {} when empty)", where)
	}
	if !slices.Contains(resourceTypes, *r.ResourceType) {
		return badRequest(CodeInvalidValue, "%sresource_type %q is not one of %s", where, *r.ResourceType, strings.Join(resourceTypes, ", "))
	}
	if *r.ResourceAccountID != c.account.ID {
		return badRequest(CodeResourceInvalid, "%sresource_account_id %s must be the sharing account %s", where, *r.ResourceAccountID, c.account.ID)
	}
	if *r.ResourceType == resourceFederationGrant && c.e.findGrant(c.account.ID, *r.ResourceID) == nil {
		return badRequest(CodeResourceInvalid, "%sresource_id %s is not an IdP federation grant of account %s", where, *r.ResourceID, c.account.ID)
	}
	return nil
}

func (c *call) newResource(shareID string, r resourceReq) ShareResource {
	return ShareResource{
		ID: newHex32(), ShareID: shareID, ResourceID: *r.ResourceID, ResourceType: *r.ResourceType,
		ResourceAccountID: *r.ResourceAccountID, Meta: *r.Meta, Status: shareActive,
		Version: 1, Created: c.now, Modified: c.now,
	}
}

func (c *call) associate(shareID, accountID string) *Recipient {
	if r := c.e.findRecipient(shareID, accountID); r != nil {
		r.AssociationStatus, r.SettleAt, r.Modified = associating, c.now.Add(c.e.opts.AsyncDelay), c.now
		c.e.noteDue(r.SettleAt)
		return r
	}
	c.e.noteDue(c.now.Add(c.e.opts.AsyncDelay))
	c.e.data.Recipients = append(c.e.data.Recipients, Recipient{
		ID: newHex32(), ShareID: shareID, AccountID: accountID, AssociationStatus: associating,
		SettleAt: c.now.Add(c.e.opts.AsyncDelay), Created: c.now, Modified: c.now,
	})
	return &c.e.data.Recipients[len(c.e.data.Recipients)-1]
}

func (c *call) disassociate(r *Recipient) {
	if slices.Contains(activeAssociation, r.AssociationStatus) {
		r.AssociationStatus, r.SettleAt, r.Modified = disassociating, c.now.Add(c.e.opts.AsyncDelay), c.now
		c.e.noteDue(r.SettleAt)
	}
}

func createShare(c *call) reply {
	var body struct {
		Name       *string         `json:"name"`
		Recipients *[]recipientReq `json:"recipients"`
		Resources  *[]resourceReq  `json:"resources"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	switch {
	case body.Name == nil || strings.TrimSpace(*body.Name) == "":
		return fail(missing("/name", "name"))
	case body.Recipients == nil:
		return fail(missing("/recipients", "recipients"))
	case body.Resources == nil:
		return fail(missing("/resources", "resources"))
	}
	accounts, org, err := c.resolveRecipients(*body.Recipients)
	if err != nil {
		return fail(err)
	}
	seen := map[string]bool{}
	for i, r := range *body.Resources {
		if err := c.validateResource(r, fmt.Sprintf("resources[%d].", i)); err != nil {
			return fail(err)
		}
		key := *r.ResourceType + "/" + *r.ResourceID
		if seen[key] {
			return fail(errf(http.StatusConflict, CodeResourceExists, "resources[%d]: %s %s is listed twice", i, *r.ResourceType, *r.ResourceID))
		}
		seen[key] = true
	}
	s := Share{
		ID: newHex32(), AccountID: c.account.ID, Name: *body.Name, TargetType: targetAccount,
		Status: shareActive, Created: c.now, Modified: c.now,
	}
	if org {
		s.TargetType = targetOrganization
		for _, a := range c.e.data.Accounts {
			if a.OrganizationID == c.account.OrganizationID && a.ID != c.account.ID {
				accounts = append(accounts, a.ID)
			}
		}
	}
	c.e.data.Shares = append(c.e.data.Shares, s)
	for _, a := range accounts {
		c.associate(s.ID, a)
	}
	for _, r := range *body.Resources {
		c.e.data.ShareResources = append(c.e.data.ShareResources, c.newResource(s.ID, r))
	}
	c.dirty = true
	return ok(http.StatusCreated, c.renderShare(c.e.findShare(s.ID), true, false))
}

func renameShare(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	var body struct {
		Name *string `json:"name"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	if body.Name == nil || strings.TrimSpace(*body.Name) == "" {
		return fail(missing("/name", "name"))
	}
	s.Name, s.Modified = *body.Name, c.now
	c.dirty = true
	return ok(http.StatusOK, c.renderShare(s, false, false))
}

// deleteShare starts the asynchronous deletion: the share goes deleting, its
// recipients disassociating and its resources deleting.
func deleteShare(c *call) reply {
	s, err := c.lookupShare(true)
	if err != nil {
		return fail(err)
	}
	if s.Status == shareActive {
		settle := c.now.Add(c.e.opts.AsyncDelay)
		s.Status, s.SettleAt, s.Modified = shareDeleting, settle, c.now
		c.e.noteDue(settle)
		for _, r := range c.e.recipientsOf(s.ID) {
			c.disassociate(r)
		}
		for _, r := range c.e.resourcesOf(s.ID) {
			if r.Status == shareActive {
				r.Status, r.SettleAt, r.Modified = shareDeleting, settle, c.now
			}
		}
		c.dirty = true
	}
	return ok(http.StatusOK, c.renderShare(s, false, false))
}

func listRecipients(c *call) reply {
	s, err := c.lookupShare(true)
	if err != nil {
		return fail(err)
	}
	withRes, err := c.boolQuery("include_resources")
	if err != nil {
		return fail(err)
	}
	items := []wireRecipient{}
	for _, r := range c.e.recipientsOf(s.ID) {
		items = append(items, c.renderRecipient(r, withRes))
	}
	return list(c, items, sharePages)
}

func (c *call) refuseOrgTargeted(s *Share) *apiError {
	if s.TargetType == targetOrganization {
		return badRequest(CodeOrgTargeted, "share %s targets the whole organization; its recipients follow organization membership and cannot be changed", s.ID)
	}
	return nil
}

func addRecipient(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	if err := c.refuseOrgTargeted(s); err != nil {
		return fail(err)
	}
	var body recipientReq
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	accounts, org, err := c.resolveRecipients([]recipientReq{body})
	if err != nil {
		return fail(err)
	}
	if org {
		return fail(badRequest(CodeRecipientMixedKind, "share %s targets single accounts; add recipients by recipient_account_id", s.ID))
	}
	shareID := s.ID
	if r := c.e.findRecipient(shareID, accounts[0]); r != nil && slices.Contains(activeAssociation, r.AssociationStatus) {
		return fail(errf(http.StatusConflict, CodeAlreadyRecipient, "account %s is already a recipient of share %s (%s)", accounts[0], shareID, r.AssociationStatus))
	}
	r := c.associate(shareID, accounts[0])
	c.dirty = true
	return ok(http.StatusCreated, c.renderRecipient(r, false))
}

func replaceRecipients(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	if err := c.refuseOrgTargeted(s); err != nil {
		return fail(err)
	}
	var body []recipientReq
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	accounts, org, err := c.resolveRecipients(body)
	if err != nil {
		return fail(err)
	}
	if org {
		return fail(badRequest(CodeRecipientMixedKind, "share %s targets single accounts; list recipients by recipient_account_id", s.ID))
	}
	shareID := s.ID
	for _, r := range c.e.recipientsOf(shareID) {
		if !slices.Contains(accounts, r.AccountID) {
			c.disassociate(r)
		}
	}
	for _, a := range accounts {
		if r := c.e.findRecipient(shareID, a); r != nil && slices.Contains(activeAssociation, r.AssociationStatus) {
			continue
		}
		c.associate(shareID, a)
	}
	c.dirty = true
	return reply{status: http.StatusNoContent, empty: true}
}

func (c *call) lookupRecipient(s *Share) (*Recipient, *apiError) {
	id := c.r.PathValue("recipient_id")
	for _, r := range c.e.recipientsOf(s.ID) {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, notFound(CodeRecipientNotFound, "recipient %s not found on share %s", id, s.ID)
}

func getRecipient(c *call) reply {
	s, err := c.lookupShare(true)
	if err != nil {
		return fail(err)
	}
	r, err := c.lookupRecipient(s)
	if err != nil {
		return fail(err)
	}
	withRes, err := c.boolQuery("include_resources")
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, c.renderRecipient(r, withRes))
}

func removeRecipient(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	if err := c.refuseOrgTargeted(s); err != nil {
		return fail(err)
	}
	r, err := c.lookupRecipient(s)
	if err != nil {
		return fail(err)
	}
	if slices.Contains(activeAssociation, r.AssociationStatus) {
		c.disassociate(r)
		c.dirty = true
	}
	return ok(http.StatusOK, c.renderRecipient(r, false))
}

func listShareResources(c *call) reply {
	s, err := c.lookupShare(true)
	if err != nil {
		return fail(err)
	}
	status, typ := c.query("status"), c.query("resource_type")
	if status != "" && !slices.Contains([]string{shareActive, shareDeleting, shareDeleted}, status) {
		return fail(badRequest(CodeInvalidValue, "query parameter status must be one of active, deleting, deleted, got %q", status))
	}
	if typ != "" && !slices.Contains(resourceTypes, typ) {
		return fail(badRequest(CodeInvalidValue, "query parameter resource_type %q is not a resource type", typ))
	}
	items := []wireShareResource{}
	all := c.e.resourcesOf(s.ID)
	for _, r := range all {
		if (status == "" || r.Status == status) && (typ == "" || r.ResourceType == typ) {
			items = append(items, renderResource(r))
		}
	}
	return listFiltered(c, items, len(all), sharePages)
}

func addShareResource(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	var body resourceReq
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	if err := c.validateResource(body, ""); err != nil {
		return fail(err)
	}
	for _, r := range c.e.resourcesOf(s.ID) {
		if r.ResourceType == *body.ResourceType && r.ResourceID == *body.ResourceID && r.Status != shareDeleted {
			return fail(errf(http.StatusConflict, CodeResourceExists, "%s %s is already on share %s", r.ResourceType, r.ResourceID, s.ID))
		}
	}
	r := c.newResource(s.ID, body)
	c.e.data.ShareResources = append(c.e.data.ShareResources, r)
	c.dirty = true
	return ok(http.StatusCreated, renderResource(&r))
}

func (c *call) lookupResource(s *Share) (*ShareResource, *apiError) {
	id := c.r.PathValue("share_resource_id")
	for _, r := range c.e.resourcesOf(s.ID) {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, notFound(CodeShareResourceNotFnd, "share resource %s not found on share %s", id, s.ID)
}

func getShareResource(c *call) reply {
	s, err := c.lookupShare(true)
	if err != nil {
		return fail(err)
	}
	r, err := c.lookupResource(s)
	if err != nil {
		return fail(err)
	}
	return ok(http.StatusOK, renderResource(r))
}

func updateShareResource(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	r, err := c.lookupResource(s)
	if err != nil {
		return fail(err)
	}
	var body struct {
		Meta *map[string]any `json:"meta"`
	}
	if err := c.decode(&body); err != nil {
		return fail(err)
	}
	if body.Meta == nil || *body.Meta == nil {
		return fail(missing("/meta", "meta"))
	}
	if r.Status != shareActive {
		return fail(badRequest(CodeShareDeleting, "share resource %s is %s and can no longer be changed", r.ID, r.Status))
	}
	r.Meta, r.Version, r.Modified = *body.Meta, r.Version+1, c.now
	c.dirty = true
	return ok(http.StatusOK, renderResource(r))
}

func removeShareResource(c *call) reply {
	s, err := c.lookupActiveShare()
	if err != nil {
		return fail(err)
	}
	r, err := c.lookupResource(s)
	if err != nil {
		return fail(err)
	}
	if r.Status == shareActive {
		r.Status, r.SettleAt, r.Modified = shareDeleting, c.now.Add(c.e.opts.AsyncDelay), c.now
		c.e.noteDue(r.SettleAt)
		c.dirty = true
	}
	return ok(http.StatusOK, renderResource(r))
}
