package addr

// Kind is the kind of object a plan action works on. Every kind has one row
// in Kinds; a switch over Kind must list every kind (the exhaustive linter
// in .ci/run checks it), so that a new kind fails the build wherever it was
// forgotten.
type Kind string

const (
	IdP            Kind = "idp"             // account[a].idp[n]
	CertificateSet Kind = "certificate_set" // account[a].idp[n].encryption.certificate_set
	Encryption     Kind = "encryption"      // account[a].idp[n].encryption
	Grant          Kind = "grant"           // account[a].idp[n].grant
	Share          Kind = "share"           // account[a].idp[n].share
	Recipient      Kind = "recipient"       // account[a].idp[n].share.recipient[<account id>|organization]
	SCIMSecret     Kind = "scim_secret"     // account[a].idp[n].scim_secret
)

// KindInfo is one row of the kinds table: how an address names the kind,
// and how staleness, the destroy gate and waiting treat it. What a row
// cannot hold as data is a switch over Kind in the package that does it,
// listing every kind: how apply executes it (apply/action.go), how a saved
// plan finds it again (plan/stale.go), which id the views show
// (plan/render), which pre-flight rules concern it (plan/preflight.go).
type KindInfo struct {
	Kind Kind
	// Path follows the IdP's address: "encryption.certificate_set"; empty
	// for the IdP itself. A keyed kind's address ends in [<key>] after it.
	Path  string
	Keyed bool
	// Parent is the kind whose address this kind's extends; empty for IdP,
	// whose parent is its account or zone.
	Parent Kind
	// Versioned: a plan records the version of the live object it read,
	// and a saved plan is refused when it moved since (plan.Moved).
	Versioned bool
	// ReplaceDestroys: replacing it removes the live object, so a replace
	// passes the destroy gate like a delete (apply.Destructive); a delete of
	// any kind does.
	ReplaceDestroys bool
	// Waits: apply --wait polls its association transitions
	// (apply.WaitForShares).
	Waits bool
}

// Kinds lists every kind, parents before children.
var Kinds = []KindInfo{
	{Kind: IdP, Versioned: true, ReplaceDestroys: true},
	{Kind: Encryption, Path: "encryption", Parent: IdP},
	{Kind: CertificateSet, Path: "encryption.certificate_set", Parent: Encryption, Versioned: true},
	{Kind: Grant, Path: "grant", Parent: IdP, Versioned: true},
	{Kind: Share, Path: "share", Parent: IdP, Versioned: true, ReplaceDestroys: true, Waits: true},
	{Kind: Recipient, Path: "share.recipient", Keyed: true, Parent: Share, Versioned: true, Waits: true},
	{Kind: SCIMSecret, Path: "scim_secret", Parent: IdP},
}

// Info returns the row of k; false for a kind the table does not list.
func Info(k Kind) (KindInfo, bool) {
	for _, i := range Kinds {
		if i.Kind == k {
			return i, true
		}
	}
	return KindInfo{}, false
}
