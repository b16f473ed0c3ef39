// Package planfile is the only reader and writer of saved plans, the files
// `idpsync plan --out` writes and `idpsync apply FILE` executes.
//
// A saved plan travels between CI jobs as an artifact, so anyone who can
// write the artifact could otherwise change what apply does. The file is
// therefore authenticated with an HMAC whose key is not in the file: it is
// derived (HKDF) from the API credentials in use, or from IDPSYNC_PLAN_KEY.
// Read verifies the MAC before it parses the plan, so an edited file, or one
// made with other credentials, is refused before anything else happens. The
// same key, under another HKDF label, keys the plan's secret fingerprints, so
// the file alone lets nobody test a guess of a secret. The MAC also covers
// the API endpoint the plan was made against, and Read refuses the plan for
// any other: its ids and version markers are that API's.
//
// A saved plan is recognised by its content (the "idpsync_saved_plan"
// marker), never by its name.
//
// This package does no network I/O and knows nothing of the API: callers
// give it the credential material and name the endpoint. It never writes a credential or a key
// into a file, and its errors never quote either.
package planfile
