package plan

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
)

// DriftCategories lists the categories in report order.
var DriftCategories = []DriftCategory{
	DriftChanged, DriftMissing, DriftDuplicate, DriftUnmanaged, DriftPending, DriftCertificate, DriftUnverifiable,
}

// DriftReport is what the drift command reports: a plan's findings grouped by cause.
type DriftReport struct {
	FormatVersion string       `json:"format_version"`
	Accounts      []AccountRef `json:"accounts"`
	Items         []DriftItem  `json:"items"`
	// Drifted is true when any item other than unverifiable is present;
	// unverifiable fields alone never make the cron job fail.
	Drifted bool `json:"drifted"`
	// Policy are the policy findings of the plan the report was made from
	// (package policy); they do not make the report drifted.
	Policy []PolicyResult `json:"policy,omitempty"`
}

// DriftItem is one finding.
type DriftItem struct {
	Category  DriftCategory `json:"category"`
	Address   string        `json:"address"`
	AccountID string        `json:"account_id"`
	Message   string        `json:"message"`
	// Changes are the field differences behind a changed item.
	Changes []Change `json:"changes,omitempty"`
}
