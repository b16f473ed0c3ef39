package cli

import (
	"runtime/debug"
)

// Version, Commit and Date are set at link time by release builds
// (-ldflags "-X github.com/idpsync/idpsync/cmd/idpsync/internal/cli.Version=v1.2.3",
// see .goreleaser.yaml); otherwise they come from the module's build information.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// BuildInfo returns the version and commit of this binary.
func BuildInfo() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if version == "" || version == "(devel)" {
		version = "dev"
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}

// BuildDate returns when this binary was built (release builds) or the time of
// the commit it was built from (go build in a checkout), or "unknown".
func BuildDate() string {
	if Date != "" {
		return Date
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.time" && s.Value != "" {
				return s.Value
			}
		}
	}
	return "unknown"
}
