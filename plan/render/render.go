package render

import (
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"

	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/idpsync/idpsync/plan"
)

// Options tune the terminal views.
type Options struct {
	// Color enables lipgloss styling. When false the output is plain text with
	// no escape codes at all (stdout is not a terminal, or NO_COLOR is set).
	Color bool
	// Width is the terminal width prose is wrapped to; 0 means 100.
	Width int
	// Brief counts the IdPs received from other accounts (read-only, never
	// changed) instead of listing them one a line: at hundreds of accounts
	// the list buries the changes in a CI log. apply sets it without
	// --verbose.
	Brief bool
}

const defaultWidth = 100

func (o Options) width() int {
	if o.Width <= 0 {
		return defaultWidth
	}
	return o.Width
}

// SummaryLine is the one-line verdict printed at the end of every plan view.
func SummaryLine(p *plan.Plan) string {
	if p != nil && !p.HasChanges() && p.HasUndeliveredSCIM() {
		// Nothing to change, yet not in order: a secret is in nobody's hands.
		n := len(p.UndeliveredSCIM)
		return fmt.Sprintf("Nothing to change, but %s never delivered: see the warning above.", plural(n, "SCIM secret was", "SCIM secrets were"))
	}
	if p == nil || !p.HasChanges() {
		return "No changes. Live state matches the declared state."
	}
	s := p.Summary()
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", s.Add, s.Change, s.Destroy)
}

// sink buffers writes and keeps the first error, so the views can stream
// thousands of lines without checking every write; Flush reports it.
type sink struct {
	bw *bufio.Writer
	// n counts the bytes written, so that a view can mark where its blocks
	// start and end (the Markdown plan trims by those marks).
	n int
}

func newSink(w io.Writer) *sink {
	return &sink{bw: bufio.NewWriterSize(w, 64<<10)}
}

// Errors are sticky in bufio.Writer: once a write fails every later write is a
// no-op and Flush returns the error.
func (s *sink) str(v ...string) {
	for _, x := range v {
		_, _ = s.bw.WriteString(x)
		s.n += len(x)
	}
}

func (s *sink) line(v ...string) {
	s.str(v...)
	_ = s.bw.WriteByte('\n')
	s.n++
}

func (s *sink) flush() error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("writing view: %w", err)
	}
	return nil
}

// group is one account's slice of a plan, in plan order.
type group struct {
	id      string
	label   string
	actions []*plan.Action
}

// groupByAccount groups the actions by account: the plan's accounts in their
// order first, then any account only an action names, in first-seen order.
func groupByAccount(p *plan.Plan) []*group {
	idx := make(map[string]*group, len(p.Accounts))
	var groups []*group
	for _, a := range p.Accounts {
		if _, ok := idx[a.ID]; ok {
			continue
		}
		g := &group{id: a.ID, label: a.Label}
		idx[a.ID] = g
		groups = append(groups, g)
	}
	for i := range p.Actions {
		a := &p.Actions[i]
		g, ok := idx[a.AccountID]
		if !ok {
			g = &group{id: a.AccountID, label: a.Account}
			idx[a.AccountID] = g
			groups = append(groups, g)
		}
		g.actions = append(g.actions, a)
	}
	for _, g := range groups {
		if g.label == "" {
			g.label = g.id
		}
	}
	return groups
}

func (g *group) summary() plan.Summary {
	var s plan.Summary
	for _, a := range g.actions {
		switch a.Action {
		case plan.Create:
			s.Add++
		case plan.Update, plan.Rotate:
			s.Change++
		case plan.Delete:
			s.Destroy++
		case plan.Replace:
			s.Add++
			s.Destroy++
		}
	}
	return s
}

func (g *group) noOps() int {
	n := 0
	for _, a := range g.actions {
		if a.Action == plan.NoOp {
			n++
		}
	}
	return n
}

// symbol is the Terraform-style marker of an action kind.
func symbol(k plan.Kind) string {
	switch k {
	case plan.Create:
		return "+"
	case plan.Update, plan.Rotate:
		return "~"
	case plan.Delete:
		return "-"
	case plan.Replace:
		return "-/+"
	default:
		return " "
	}
}

func kindWords(k plan.Kind) string {
	switch k {
	case plan.Create:
		return "will be created"
	case plan.Update:
		return "will be updated in place"
	case plan.Delete:
		return "will be destroyed"
	case plan.Replace:
		return "must be replaced"
	case plan.Rotate:
		return "will be rotated"
	case plan.NoOp:
		return "is unchanged"
	default:
		return "will be " + string(k)
	}
}

var reasonText = map[plan.Reason]string{
	plan.ReasonInSync:              "in sync",
	plan.ReasonMissing:             "declared, absent live",
	plan.ReasonChanged:             "live differs from declared",
	plan.ReasonResendSecrets:       "--resend-secrets sends the secrets again",
	plan.ReasonTypeChanged:         "the IdP type cannot change in place",
	plan.ReasonEncryptionEnabled:   "encryption switched on",
	plan.ReasonEncryptionDisabled:  "encryption switched off",
	plan.ReasonCertificateExpiring: "the certificate expires within encryption.rotate_within",
	plan.ReasonPruned:              "not declared, and the account has prune: true",
	plan.ReasonFederationRemoved:   "the federation block was removed",
	plan.ReasonRecipientRemoved:    "the account was removed from share_with",
	plan.ReasonTargetChanged:       "the share switches between accounts and the organization",
	plan.ReasonParentReplaced:      "its IdP is replaced",
}

// ownerWords makes words that speak of "the account" speak of the zone when
// the action belongs to one.
func ownerWords(a *plan.Action, s string) string {
	if idptype.IsZone(a.AccountID) {
		return strings.ReplaceAll(s, "the account", "the zone")
	}
	return s
}

func reasonWords(r plan.Reason) string {
	if s, ok := reasonText[r]; ok {
		return s
	}
	// A reason newer than this view still reads as words.
	return strings.ReplaceAll(string(r), "_", " ")
}

// subject names the object under the symbol: `idp "Okta"`, `recipient 0123… of "Okta"`.
func subject(a *plan.Action) string {
	var b strings.Builder
	b.WriteString(string(a.Resource))
	if a.Resource == plan.ResourceRecipient && a.RecipientAccount != "" {
		b.WriteString(" ")
		b.WriteString(clean(a.RecipientAccount))
	}
	if a.IdPName != "" {
		if a.Resource == plan.ResourceIdP {
			b.WriteString(" ")
		} else {
			b.WriteString(" of ")
		}
		b.WriteString(clean(strconv.Quote(a.IdPName)))
	}
	return b.String()
}

// liveID is the id of the object the action works on, when it exists.
func liveID(a *plan.Action) string {
	switch a.Resource {
	case plan.ResourceIdP, plan.ResourceEncryption, plan.ResourceSCIMSecret:
		return a.IDs.IdP
	case plan.ResourceCertificateSet:
		return a.IDs.CertificateSet
	case plan.ResourceGrant:
		return a.IDs.Grant
	case plan.ResourceShare:
		return a.IDs.Share
	case plan.ResourceRecipient:
		return a.IDs.Recipient
	}
	return ""
}

// field is one line of an action's body: a field added, removed or changed.
type field struct {
	op     byte // '+', '-', '~'
	path   string
	before any
	after  any
	change *plan.Change // nil when derived from Before/After
	// source is where a value not written in the file came from
	// ("metadata okta.xml"), shown after it.
	source string
}

// withSources sets each field's source from the action's Sources.
func withSources(a *plan.Action, fs []field) []field {
	if len(a.Sources) == 0 {
		return fs
	}
	for i := range fs {
		fs[i].source = a.Sources[fs[i].path]
	}
	return fs
}

// sourceSuffix is " (from metadata okta.xml)" for a field filled from
// elsewhere. A field shown by its reference names its source already.
func sourceSuffix(f *field) string {
	if f.source == "" || (f.change != nil && f.change.Ref != "") {
		return ""
	}
	return " (from " + clean(f.source) + ")"
}

// fields lists what an action changes: its Changes when the plan has them,
// otherwise the whole object it creates or destroys.
func fields(a *plan.Action) []field { return withSources(a, rawFields(a)) }

func rawFields(a *plan.Action) []field {
	if len(a.Changes) > 0 {
		out := make([]field, 0, len(a.Changes))
		for i := range a.Changes {
			c := &a.Changes[i]
			f := field{path: c.Path, before: c.Before, after: c.After, change: c}
			switch {
			case c.Before == nil && c.After != nil:
				f.op = '+'
			case c.After == nil && c.Before != nil && !c.WriteOnly:
				f.op = '-'
			default:
				f.op = '~'
			}
			out = append(out, f)
		}
		return out
	}
	switch a.Action {
	case plan.Create, plan.Replace:
		return flatFields('+', a.After)
	case plan.Delete:
		return flatFields('-', a.Before)
	}
	return nil
}

func flatFields(op byte, obj map[string]any) []field {
	if len(obj) == 0 {
		return nil
	}
	var out []field
	flatten("", obj, func(path string, v any) {
		f := field{op: op, path: path}
		if op == '-' {
			f.before = v
		} else {
			f.after = v
		}
		out = append(out, f)
	})
	return out
}

// flatten walks nested objects in key order, naming leaves by dotted path the
// way Change.Path does ("config.issuer_url").
func flatten(prefix string, obj map[string]any, leaf func(string, any)) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if m, ok := obj[k].(map[string]any); ok && len(m) > 0 {
			flatten(path, m, leaf)
			continue
		}
		leaf(path, obj[k])
	}
}

// sensitiveNote is what stands in for a sensitive value of a field.
func sensitiveNote(f *field, k plan.Kind) (string, bool) {
	c := f.change
	if c == nil || !c.Sensitive {
		if s, ok := f.after.(string); ok && s == plan.SensitiveValue {
			return plan.SensitiveValue, true
		}
		if s, ok := f.before.(string); ok && s == plan.SensitiveValue && f.after == nil {
			return plan.SensitiveValue, true
		}
		return "", false
	}
	if c.Deferred {
		return "(sensitive, write-only: will be sent from " + c.Ref + " at apply)", true
	}
	if c.WriteOnly && c.Ref != "" {
		if k == "" {
			return "(sensitive, write-only: " + c.Ref + " cannot be read back to compare)", true
		}
		verb := "update"
		if k == plan.Create || k == plan.Replace {
			verb = "create"
		}
		return "(sensitive, write-only: sent from " + c.Ref + " on " + verb + ")", true
	}
	if c.Ref != "" {
		if f.op == '~' {
			return c.Ref + " (value changed)", true
		}
		return c.Ref, true
	}
	if c.WriteOnly {
		if k == "" {
			return "(sensitive, write-only: cannot be read back to compare)", true
		}
		verb := "update"
		if k == plan.Create || k == plan.Replace {
			verb = "create"
		}
		return "(sensitive, write-only: sent on " + verb + ")", true
	}
	if f.op == '~' {
		return "(sensitive value changed)", true
	}
	return plan.SensitiveValue, true
}

// multiline reports whether a field is best shown as a line diff: a
// certificate or a list of them (idp_public_certs), shown by their facts
// (certField), a value spanning lines, or a list holding such values.
func multiline(f *field) (before, after string, ok bool) {
	if before, after, ok := certField(f); ok {
		return before, after, true
	}
	b, bMulti, bok := text(f.before)
	a, aMulti, aok := text(f.after)
	if (f.before != nil && !bok) || (f.after != nil && !aok) || !(bMulti || aMulti) {
		return "", "", false
	}
	return b, a, true
}

// text is a string, or a list of strings joined line by line, and whether any
// single value in it spans lines.
func text(v any) (s string, multi, ok bool) {
	switch x := v.(type) {
	case string:
		return x, strings.Contains(x, "\n"), true
	case []any:
		items := make([]string, len(x))
		for i, item := range x {
			str, isStr := item.(string)
			if !isStr {
				return "", false, false
			}
			items[i] = strings.TrimRight(str, "\n")
			multi = multi || strings.Contains(items[i], "\n")
		}
		return strings.Join(items, "\n"), multi, true
	}
	return "", false, false
}

// value formats one scalar or structured value on a single line.
func value(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == plan.SensitiveValue {
			return x
		}
		return clean(strconv.Quote(x))
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return clean(fmt.Sprint(v))
	}
	return clean(string(b))
}

// clean makes text from the API or from files safe for a terminal and a CI
// log: control characters (an ESC in an IdP name could recolour or rewrite
// the screen) are shown escaped instead of being sent, and CI command markers
// are broken (sanitize.Visible).
func clean(s string) string { return sanitize.Visible(s) }

// wrap breaks prose into lines of at most width runes at spaces; a word longer
// than the width keeps its own line rather than being cut.
func wrap(s string, width int) []string {
	return wrapFrom(s, width, width)
}

// wrapFrom is wrap with a first line of its own width, for text that follows
// a prefix such as "Warning: <address>: ".
func wrapFrom(s string, first, rest int) []string {
	first, rest = max(first, 20), max(rest, 20)
	if utf8.RuneCountInString(s) <= first && !strings.Contains(s, "\n") {
		return []string{s}
	}
	var out []string
	width := first
	for _, para := range strings.Split(s, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			width = rest
			continue
		}
		cur := words[0]
		n := utf8.RuneCountInString(cur)
		for _, w := range words[1:] {
			wn := utf8.RuneCountInString(w)
			if n+1+wn > width {
				out = append(out, cur)
				cur, n, width = w, wn, rest
				continue
			}
			cur += " " + w
			n += 1 + wn
		}
		out = append(out, cur)
		width = rest
	}
	return out
}

// losesVerb completes "<accounts>" into a sentence about losing access.
func losesVerb(n int) string {
	if n == 1 {
		return " loses this login option at once"
	}
	return " lose this login option at once"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func accountTitle(id, label string) string {
	bare := idptype.OwnerID(id)
	if label == "" || label == id || label == bare {
		return plan.AccountAddress(id, bare)
	}
	return plan.AccountAddress(id, label) + " (" + bare + ")"
}

// driftTitle is the heading word of a drift category.
func driftTitle(c plan.DriftCategory) string {
	switch c {
	case plan.DriftChanged:
		return "Changed"
	case plan.DriftMissing:
		return "Missing"
	case plan.DriftUnmanaged:
		return "Unmanaged"
	case plan.DriftPending:
		return "Pending"
	case plan.DriftCertificate:
		return "Certificate"
	case plan.DriftUnverifiable:
		return "Unverifiable"
	case plan.DriftCloudflare:
		return "Cloudflare-initiated"
	case plan.DriftSCIMSecret:
		return "SCIM secret never delivered"
	}
	s := string(c)
	if s == "" {
		return "Other"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// driftGroups buckets the items by category in plan.DriftCategories order; an
// unknown category follows, in first-seen order, so nothing is dropped.
func driftGroups(r *plan.DriftReport) (cats []plan.DriftCategory, items map[plan.DriftCategory][]*plan.DriftItem) {
	items = make(map[plan.DriftCategory][]*plan.DriftItem)
	cats = slices.Clone(plan.DriftCategories)
	for i := range r.Items {
		it := &r.Items[i]
		if _, ok := items[it.Category]; !ok && !slices.Contains(cats, it.Category) {
			cats = append(cats, it.Category)
		}
		items[it.Category] = append(items[it.Category], it)
	}
	return cats, items
}

// DriftLine is the drift report's verdict: counts per category, or that there
// is none. Unverifiable fields are informational and never count as drift;
// accepted drift and changes Cloudflare made by itself are counted apart,
// and named only when present.
func DriftLine(r *plan.DriftReport) string {
	if r == nil {
		return "No drift: live state matches the declared state."
	}
	cats, items := driftGroups(r)
	actionable, accepted, informational := 0, 0, 0
	parts := make([]string, 0, len(cats))
	for _, c := range cats {
		n := 0
		for _, it := range items[c] {
			if it.Accepted != nil {
				accepted++
			} else {
				n++
			}
		}
		// Duplicates and undelivered SCIM secrets are rare (runs that
		// overlapped or were killed) and Cloudflare's own changes
		// informational: named only when present.
		if c == plan.DriftUnverifiable || (c == plan.DriftDuplicate || c == plan.DriftCloudflare || c == plan.DriftSCIMSecret) && n == 0 {
			continue
		}
		if c == plan.DriftCloudflare {
			informational += n
		} else {
			actionable += n
		}
		parts = append(parts, strconv.Itoa(n)+" "+string(c))
	}
	if accepted > 0 {
		parts = append(parts, strconv.Itoa(accepted)+" accepted")
	}
	switch {
	case actionable+accepted+informational == 0:
		return "No drift: live state matches the declared state."
	case actionable == 0:
		// Only what is there: accepted drift, Cloudflare's own changes.
		var nonzero []string
		for _, p := range parts {
			if !strings.HasPrefix(p, "0 ") {
				nonzero = append(nonzero, p)
			}
		}
		return "No drift to act on: " + strings.Join(nonzero, ", ")
	}
	return "Drift: " + strings.Join(parts, ", ")
}

// attributionLine says who last changed a drifted object, from the audit log.
func attributionLine(a *plan.Attribution) string {
	if a == nil {
		return ""
	}
	s := "last " + a.Action + " by " + a.Actor
	switch a.Interface {
	case "dashboard":
		s += " in the dashboard"
	case "api":
		s += " through the API"
	}
	s += ", " + a.Time.UTC().Format("2006-01-02 15:04 UTC")
	if a.Inferred {
		s += " (the only IdP deletion in the audit log's window)"
	}
	return s
}

// exceptionLine says what drift exception covers an item, or covered it.
func exceptionLine(it *plan.DriftItem) string {
	switch {
	case it.Accepted != nil:
		return "accepted until " + it.Accepted.Until + ": " + it.Accepted.Reason
	case it.ExpiredException != nil:
		return "the exception expired after " + it.ExpiredException.Until + " (" + it.ExpiredException.Reason + "): it counts again"
	}
	return ""
}

// staleLine names a drift exception that matched nothing.
func staleLine(x plan.DriftException) string {
	s := x.Address + " (until " + x.Until + ": " + x.Reason + ")"
	if x.File != "" {
		s = x.File + ":" + strconv.Itoa(x.Line) + ": " + s
	}
	return s
}

// driftField turns a drift change into a body line the way fields does.
func driftFields(it *plan.DriftItem) []field {
	a := plan.Action{Changes: it.Changes}
	return fields(&a)
}

var errNil = fmt.Errorf("render: nil input")

// Format names a view: the values of the commands' --output flags.
type Format string

const (
	FormatText     Format = "text"     // the terminal view
	FormatJSON     Format = "json"     // the stable machine-readable form
	FormatMarkdown Format = "markdown" // the pull-request comment and job summary
)

// Plan writes p in the named format: JSON, Markdown, or else the terminal
// view.
func Plan(w io.Writer, p *plan.Plan, format Format, opts Options) error {
	switch format {
	case FormatJSON:
		return JSON(w, p)
	case FormatMarkdown:
		return Markdown(w, p)
	default:
		return Text(w, p, opts)
	}
}

// Clean is clean for the commands: text from a file or a server, made safe
// for a terminal or a CI log.
func Clean(s string) string { return clean(s) }
