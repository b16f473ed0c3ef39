package engine

// VersionMarker exposes versionMarker to the tests.
var VersionMarker = versionMarker
