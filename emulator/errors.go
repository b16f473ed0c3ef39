package emulator

import (
	"fmt"
	"net/http"
)

// Error codes. The package doc lists them with their statuses; keep both in step.
const (
	CodeAuthentication = 10000 // 403, missing or wrong credentials
	CodeInternal       = 10500 // 500, injected fault or failed save
	CodeBadGateway     = 10502 // 502, injected fault
	CodeUnavailable    = 10503 // 503, injected fault
	CodeRateLimited    = 10429 // 429, rate limit exceeded (or injected)

	CodeAccountNotFound     = 7000 // 404
	CodeIdPNotFound         = 7001 // 404
	CodeCertSetNotFound     = 7002 // 404
	CodeNoRoute             = 7003 // 404, as Cloudflare answers unknown paths
	CodeGrantNotFound       = 7004 // 404
	CodeShareNotFound       = 7005 // 404
	CodeRecipientNotFound   = 7006 // 404
	CodeShareResourceNotFnd = 7007 // 404
	CodeAppNotFound         = 7008 // 404
	CodeNoAccessOrg         = 7009 // 404, the account has no Access organization yet
	CodeAccessOrgExists     = 1010 // 409, POST of an Access organization the account already has

	CodeMalformedBody      = 1001 // 400, body is not the JSON the endpoint takes
	CodeMissingField       = 1002 // 400, a required field is absent or empty
	CodeInvalidValue       = 1003 // 400, wrong JSON type, enum value or bound
	CodeTypeImmutable      = 1005 // 400, PUT changed type
	CodeReadOnlyIdP        = 1006 // 403, read_only IdP changed or deleted
	CodeNotSAML            = 1007 // 400, certificate set for a non-SAML IdP
	CodeEncryptionNeedsSet = 1008 // 400, enable_encryption without this IdP's set
	CodeInvalidPagination  = 1009 // 400, page or per_page out of range

	CodeNoOrganization     = 1100 // 400, grant or share from an account outside any organization
	CodeNotFederable       = 1101 // 400, onetimepin, cloudflare or read-only IdP
	CodeGrantLimit         = 1102 // 400, MaxFederatedIdPs reached
	CodeGrantExists        = 1103 // 409, the IdP already has a grant
	CodeIdPHasGrant        = 1104 // 409, delete of an IdP that a grant refers to
	CodeGrantIdPNotFound   = 1105 // 400, idp_id names no IdP of the account
	CodeRecipientOrg       = 1200 // 400, recipient outside the owner's organization
	CodeAlreadyRecipient   = 1201 // 409
	CodeOrgTargeted        = 1202 // 400, recipient change on an organization-targeted share
	CodeRecipientUnknown   = 1203 // 400, recipient account does not exist
	CodeResourceInvalid    = 1204 // 400, resource names no grant of the account, or wrong account
	CodeShareDeleting      = 1205 // 400, change to a deleting or deleted share
	CodeResourceExists     = 1206 // 409, resource already on the share
	CodeRecipientSelf      = 1207 // 400, owner listed as its own recipient
	CodeRecipientMixedKind = 1208 // 400, organization and account recipients in one request
)

// apiError is a failure answered with the error envelope of the route's family.
type apiError struct {
	status  int
	code    int
	message string
	pointer string // JSON pointer into the request body; Access family only
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.status, e.code, e.message) }

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (e *apiError) at(pointer string) *apiError {
	e.pointer = pointer
	return e
}

func badRequest(code int, format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, code, format, args...)
}

func notFound(code int, format string, args ...any) *apiError {
	return errf(http.StatusNotFound, code, format, args...)
}

func missing(pointer, field string) *apiError {
	return badRequest(CodeMissingField, "%s is required", field).at(pointer)
}
