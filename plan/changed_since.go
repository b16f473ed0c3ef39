package plan

// ChangedSince records a plan narrowed to what changed since a git revision
// (`plan --changed-since REF`): which accounts were planned and why, which
// were skipped, and which the revision declared that are gone now.
//
// A saved plan carries it under its MAC, so apply knows, and says, that it
// applies a partial plan. Apply executes only the plan's actions in the
// plan's accounts either way: a skipped account is never written.
type ChangedSince struct {
	// Revision is the revision as given, Commit what it resolved to.
	Revision string `json:"revision"`
	Commit   string `json:"commit"`
	// Whole, when set, says why every declared account was planned all
	// the same (the plan is then not partial).
	Whole string `json:"whole,omitempty"`
	// Planned are the accounts planned: reason changed, added or recipient.
	Planned []ScopedAccount `json:"planned"`
	// Removed are the accounts the revision declared and the files no longer
	// do: idpsync no longer manages them, so no plan touches them.
	Removed []ScopedAccount `json:"removed,omitempty"`
	// Skipped are the declared accounts left out, reason unchanged.
	Skipped []ScopedAccount `json:"skipped"`
}

// ScopedAccount is an account of ChangedSince and why it is there.
type ScopedAccount struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	// Reason is changed, added, recipient (a changed account shares with
	// it), removed, unchanged, or unknown (the configuration at the
	// revision did not load, so every account is planned).
	Reason string `json:"reason"`
	// Via are the changed accounts that share with a recipient.
	Via []string `json:"via,omitempty"`
}

// Partial reports whether the plan leaves declared accounts out because
// their declarations did not change.
func (p *Plan) Partial() bool {
	return p.ChangedSince != nil && len(p.ChangedSince.Skipped) > 0
}
