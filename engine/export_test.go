package engine

// VersionMarker exposes versionMarker to the tests.
var VersionMarker = versionMarker

// Targeted exposes targeted to the tests.
var Targeted = targeted

// IsIdPAddress exposes isIdPAddress to the tests.
var IsIdPAddress = isIdPAddress
