package plan

import "time"

// DriftCategory is why live state differs from the declared state.
type DriftCategory string

const (
	DriftChanged      DriftCategory = "changed"      // live differs from declared
	DriftMissing      DriftCategory = "missing"      // declared, absent live
	DriftUnmanaged    DriftCategory = "unmanaged"    // present live, undeclared
	DriftPending      DriftCategory = "pending"      // an asynchronous transition is under way
	DriftCertificate  DriftCategory = "certificate"  // expiring, or a rotation under way
	DriftUnverifiable DriftCategory = "unverifiable" // write-only fields that cannot be compared
	DriftDuplicate    DriftCategory = "duplicate"    // a second copy left by runs that overlapped
	// DriftCloudflare is a change Cloudflare made by itself (the audit log
	// names a system actor): an automatic certificate rotation, a default
	// IdP, a recipient connection changing status.
	DriftCloudflare DriftCategory = "cloudflare-initiated"
	// DriftAccepted is drift that a drift exception in force covers. It is
	// not a category of its own on an item (the item keeps its cause), only
	// a name for --fail-on.
	DriftAccepted   DriftCategory = "accepted"
	DriftSCIMSecret DriftCategory = "scim_secret" // a SCIM secret asked for and never delivered
)

// DriftCategories lists the categories in report order.
var DriftCategories = []DriftCategory{
	DriftChanged, DriftMissing, DriftSCIMSecret, DriftDuplicate, DriftUnmanaged, DriftPending, DriftCertificate, DriftCloudflare, DriftUnverifiable,
}

// FailOnCategories are the names --fail-on takes: every category and
// accepted.
var FailOnCategories = append(append([]DriftCategory{}, DriftCategories...), DriftAccepted)

// DefaultFailOn are the categories that fail the drift job by default: all
// but accepted drift and the informational categories (unverifiable fields,
// changes Cloudflare made by itself).
var DefaultFailOn = []DriftCategory{DriftChanged, DriftMissing, DriftSCIMSecret, DriftDuplicate, DriftUnmanaged, DriftPending, DriftCertificate}

// DriftReport is what the drift command reports: a plan's findings grouped by cause.
type DriftReport struct {
	FormatVersion string       `json:"format_version"`
	Accounts      []AccountRef `json:"accounts"`
	Items         []DriftItem  `json:"items"`
	// Drifted is true when any item counts under the fail-on categories
	// (DefaultFailOn unless Evaluate was given others); unverifiable fields
	// alone never make the cron job fail.
	Drifted bool `json:"drifted"`
	// Policy are the policy findings of the plan the report was made from
	// (package policy); they do not make the report drifted.
	Policy []PolicyResult `json:"policy,omitempty"`
	// FailOn are the categories Drifted was computed for.
	FailOn []DriftCategory `json:"fail_on,omitempty"`
	// StaleExceptions are drift exceptions that matched nothing.
	StaleExceptions []DriftException `json:"stale_exceptions,omitempty"`
	// AttributionUnavailable says once why no item could be attributed
	// (the audit log could not be read), when that is so.
	AttributionUnavailable string `json:"attribution_unavailable,omitempty"`
}

// DriftItem is one finding.
type DriftItem struct {
	Category  DriftCategory `json:"category"`
	Address   string        `json:"address"`
	AccountID string        `json:"account_id"`
	Message   string        `json:"message"`
	// Changes are the field differences behind a changed item.
	Changes []Change `json:"changes,omitempty"`
	// ResourceID is the live id of the object, when it exists live.
	ResourceID string `json:"resource_id,omitempty"`
	// Cause is the category the item had before it was found to be
	// Cloudflare's own doing (Category is then cloudflare-initiated).
	Cause DriftCategory `json:"cause,omitempty"`
	// Attribution is the audit log's last change of the object.
	Attribution *Attribution `json:"attribution,omitempty"`
	// Accepted is the drift exception in force that covers the item.
	Accepted *Acceptance `json:"accepted,omitempty"`
	// ExpiredException is a drift exception that covered the item until
	// its date passed: the item counts again.
	ExpiredException *Acceptance `json:"expired_exception,omitempty"`
}

// Attribution is who last changed an object, from the account audit log.
type Attribution struct {
	// Actor is the email of the person, or the name of the API token.
	Actor string `json:"actor"`
	// ActorType is the audit log's actor type: user, system, account,
	// cloudflare_admin.
	ActorType string `json:"actor_type"`
	// Interface is how the change was made: dashboard or api (empty for
	// Cloudflare's own systems).
	Interface string    `json:"interface,omitempty"`
	Time      time.Time `json:"time"`
	// Action is the audit log's action type: create, update, delete.
	Action string `json:"action"`
	// Inferred says the entry was matched by elimination (the only deletion
	// of that kind of object in the window), not by the object's id, which
	// an object deleted live no longer has.
	Inferred bool `json:"inferred,omitempty"`
}

// Acceptance is the drift exception covering an item.
type Acceptance struct {
	Reason string `json:"reason"`
	// Until is the exception's last day, YYYY-MM-DD.
	Until string `json:"until"`
}

// DriftException is drift a team has accepted until a date: the drift: block
// of the desired state.
type DriftException struct {
	// Address is a pattern: * stands for any run of characters.
	Address string `json:"address"`
	// Fields, when given, limit the exception to changes of these field
	// paths (config.client_id); an item with any other change still counts.
	Fields []string `json:"fields,omitempty"`
	Reason string   `json:"reason"`
	// Until is the last day the exception holds, YYYY-MM-DD (UTC).
	Until string `json:"until"`
	// File and Line say where it is declared, for the stale report.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}
