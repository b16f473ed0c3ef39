package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The tests of this package run idpsync as a separate process: the
// scenarios in testdata/script, the overlapping applies, the signals, the
// README's commands and the GitHub Action. testscript.Main puts a copy of
// this test binary on PATH as idpsync; under -race that copy carries the
// race detector, and every one of the hundreds of processes the tests start
// pays for it (most of the package's CPU time, for no finding: the detector
// sees races between goroutines of one process, and the processes here
// mostly race each other through the API).
//
// So under -race, TestMain builds idpsync once, without -race, and puts
// that binary first on PATH: every test here runs it. The trade-off: the
// race detector no longer watches the CLI in most scenarios. It still
// watches the same code where its concurrency lives, in the packages' own
// tests under -race (apply's executor, the client's gate and retries, the
// engine's reads, all against the emulator in-process), and in the
// scenarios of raceScripts, which keep running this test binary, race
// detector and all. Without -race the test binary is an ordinary build of
// idpsync and is used as it is.

// raceScripts are the scenarios that run the race-instrumented test binary
// under -race: the ones where one idpsync process does the most at once
// (parallel applies with faults and retries, a converging apply, SCIM
// creates racing another apply).
var raceScripts = map[string]bool{
	"faults":              true,
	"plan_apply_converge": true,
	"scim_overlap":        true,
}

// testBinaryPATH is PATH with the race-instrumented test binary first (as
// testscript.Main set it) and without the plain build; empty when the two
// are the same binary (no -race).
var testBinaryPATH string

// withPlainBuild runs the tests with, under -race, a plain build of idpsync
// first on PATH.
type withPlainBuild struct{ m interface{ Run() int } }

func (w withPlainBuild) Run() int {
	if !raceEnabled {
		return w.m.Run()
	}
	dir, err := os.MkdirTemp("", "idpsync-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// -race=false: a GOFLAGS=-race in the environment must not bring the
	// detector back into the processes.
	build := exec.Command("go", "build", "-race=false", "-o", filepath.Join(dir, "idpsync"), ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building idpsync without -race for the tests' processes: %v\n", err)
		return 1
	}
	testBinaryPATH = os.Getenv("PATH")
	os.Setenv("PATH", dir+string(filepath.ListSeparator)+testBinaryPATH)
	return w.m.Run()
}

// raceScriptPATH is the PATH a scenario runs with: the test binary's for
// raceScripts under -race, else PATH as it is.
func raceScriptPATH(name string) (string, bool) {
	if testBinaryPATH == "" || !raceScripts[strings.TrimPrefix(name, "TestScripts/")] {
		return "", false
	}
	return testBinaryPATH, true
}
