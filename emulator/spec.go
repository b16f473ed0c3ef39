package emulator

import _ "embed"

// ContractSpec is testdata/access-subset.openapi.yaml, the contract the
// emulator and the client are held to, built into the binary so that
// `idpsync doctor` can check the real API's answers against it.
//
//go:embed testdata/access-subset.openapi.yaml
var ContractSpec []byte
