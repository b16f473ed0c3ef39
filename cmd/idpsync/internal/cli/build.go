package cli

import (
	"runtime/debug"
)

// Version and Commit are set at link time by release builds
// (-ldflags "-X github.com/idpsync/idpsync/cmd/idpsync/internal/cli.Version=v1.2.3");
// otherwise they come from the module's build information.
var (
	Version = ""
	Commit  = ""
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
