package plan

// WarningCode is the stable, machine-readable kind of a Warning.
type WarningCode string

const (
	// WarnCertificateExpiring: the current encryption certificate expires
	// within encryption.rotate_within.
	WarnCertificateExpiring WarningCode = "certificate_expiring"
	// WarnRotationInProgress: a previous certificate still exists, so no
	// second rotation is planned.
	WarnRotationInProgress WarningCode = "rotation_in_progress"
	// WarnExpiredCertificate: the current encryption certificate has expired.
	WarnExpiredCertificate WarningCode = "expired_certificate"
	// WarnRotationDeferred: a rotation is due but waits for another change.
	WarnRotationDeferred WarningCode = "rotation_deferred"
	// WarnRecipientsNotRead: a share's recipients were not read, so they
	// were not compared.
	WarnRecipientsNotRead WarningCode = "recipients_not_read"
	// WarnSecretDeferred: a secret was not available to the plan and is sent
	// from its reference at apply. No plan carries it any more: a plan job
	// holds no secrets by design, so the plan lists them once as an expected
	// BlockSecret instead of warning of each. Kept so that older saved plans
	// and consumers keep their meaning.
	WarnSecretDeferred WarningCode = "secret_deferred"
	// WarnSigningCertificateExpiring: an idp_public_certs certificate (the
	// external IdP's signing certificate) expires soon.
	WarnSigningCertificateExpiring WarningCode = "signing_certificate_expiring"
	// WarnOrganizationUnverified: the account's organization could not be
	// read, so the organization rules were not checked before applying.
	WarnOrganizationUnverified WarningCode = "organization_unverified"
	// WarnSCIMSecretUndelivered: an IdP has SCIM on and the secret an apply
	// asked for never reached --secrets-out (UndeliveredSCIMSecret).
	WarnSCIMSecretUndelivered WarningCode = "scim_secret_undelivered"
)

// WarningCodes lists every code a plan may carry.
var WarningCodes = []WarningCode{
	WarnCertificateExpiring, WarnRotationInProgress, WarnExpiredCertificate,
	WarnRotationDeferred, WarnRecipientsNotRead, WarnSecretDeferred,
	WarnSigningCertificateExpiring, WarnOrganizationUnverified, WarnSCIMSecretUndelivered,
}

// warningDrift says under which drift category each warning code is
// reported, or, for a code the drift report leaves out, why.
var warningDrift = map[WarningCode]struct {
	category DriftCategory
	notDrift string
}{
	WarnCertificateExpiring:        {category: DriftCertificate},
	WarnRotationInProgress:         {category: DriftCertificate},
	WarnExpiredCertificate:         {category: DriftCertificate},
	WarnRotationDeferred:           {category: DriftCertificate},
	WarnSigningCertificateExpiring: {category: DriftCertificate},
	// Recipients that were not read could not be compared: the same standing
	// as write-only secrets, which drift lists without calling them drift.
	WarnRecipientsNotRead:     {category: DriftUnverifiable},
	WarnSCIMSecretUndelivered: {category: DriftSCIMSecret},
	WarnSecretDeferred: {notDrift: "it is about the plan job's inputs (a secret it could not read), " +
		"not about live state differing from the files"},
	WarnOrganizationUnverified: {notDrift: "it is about what the token may read, " +
		"not about live state differing from the files"},
}

// DriftCategoryOf returns the drift category a warning code is reported
// under; false when the drift report leaves the code out.
func DriftCategoryOf(c WarningCode) (DriftCategory, bool) {
	d, ok := warningDrift[c]
	return d.category, ok && d.category != ""
}
