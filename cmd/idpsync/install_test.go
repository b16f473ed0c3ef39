package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeInstall runs the README's install steps as written against a
// release-like archive of this binary served by a stand-in curl, then again
// with the archive tampered with, which the checksum check must refuse.
func TestReadmeInstall(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- install.*?-->\n```sh\n(.*?)```\n<!-- end install -->").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no install block")
	}
	script := string(m[1])
	for _, tool := range []string{"sha256sum", "tar", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v", tool, err)
		}
	}
	self, err := exec.LookPath("idpsync") // the test binary, installed by TestMain
	if err != nil {
		t.Fatal(err)
	}
	v := regexp.MustCompile(`VERSION=(\S+)`).FindStringSubmatch(script)
	if v == nil {
		t.Fatal("README install: no VERSION=")
	}
	version := v[1]
	archive := "idpsync_" + version + "_linux_amd64.tar.gz"

	for _, tc := range []struct {
		name   string
		tamper bool
	}{{"verified", false}, {"tampered", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			bin, _ := standInRelease(t, version, archive, self, tc.tamper)
			cmd := exec.Command("sh", "-ec", script)
			cmd.Dir = work
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + work}
			out, err := cmd.CombinedOutput()
			if tc.tamper {
				if err == nil || !strings.Contains(string(out), "FAILED") {
					t.Fatalf("a tampered archive was accepted:\n%s", out)
				}
				if _, err := os.Stat(filepath.Join(work, "idpsync")); err == nil {
					t.Fatal("a tampered archive was unpacked")
				}
				return
			}
			if err != nil {
				t.Fatalf("install steps failed: %v\n%s", err, out)
			}
			if !regexp.MustCompile(`(?m)^idpsync \S+ \(commit \S+, built \S+, `).Match(out) {
				t.Fatalf("./idpsync version did not run:\n%s", out)
			}
		})
	}
}

// standInRelease builds a release-like download directory for version
// (buildRelease) and a directory holding a stand-in curl serving it
// (standInCurl).
func standInRelease(t *testing.T, version, archive, binary string, tamper bool) (bin, release string) {
	t.Helper()
	release = buildRelease(t, version, archive, binary, tamper)
	return standInCurl(t, version, release), release
}

// buildRelease returns a directory laid out like a release's assets: archive
// (binary packed like GoReleaser packs it, see writeArchive) and the
// checksums file. With tamper, the archive is replaced after its checksum
// was taken.
func buildRelease(t *testing.T, version, archive, binary string, tamper bool) string {
	t.Helper()
	release := t.TempDir()
	writeArchive(t, filepath.Join(release, archive), binary)
	sum := sha256File(t, filepath.Join(release, archive))
	// Like GoReleaser's file: one line per archive, the others absent here.
	sums := sum + "  " + archive + "\n" + strings.Repeat("0", 64) + "  idpsync_" + version + "_darwin_arm64.tar.gz\n"
	if err := os.WriteFile(filepath.Join(release, "idpsync_"+version+"_checksums.txt"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	if tamper {
		writeArchive(t, filepath.Join(release, archive), "/bin/sh")
	}
	return release
}

// standInCurl returns a directory holding a stand-in curl that serves the
// assets in release, and only for URLs under version's download page. It
// takes the forms the README and the action use: curl [-fsSL] [--retry N]
// [-H HEADER] (-O | -o FILE) URL. Headers are appended to the file
// headersFile(bin) names, so a test can check what was sent.
func standInCurl(t *testing.T, version, release string) (bin string) {
	t.Helper()
	bin = t.TempDir()
	curl := `#!/bin/sh
out=
while [ $# -gt 1 ]; do
  case $1 in
    -o) out=$2; shift ;;
    -H) printf '%s\n' "$2" >> '` + headersFile(bin) + `'; shift ;;
    --retry) shift ;;
    -O | -fsSL | -fsSLO) ;;
    *) echo "curl stand-in: unexpected argument $1" >&2; exit 2 ;;
  esac
  shift
done
url=$1
case $url in
  https://github.com/idpsync/idpsync/releases/download/v` + version + `/*) ;;
  *) echo "unexpected URL $url" >&2; exit 22 ;;
esac
cp '` + release + `'/"${url##*/}" "${out:-${url##*/}}" || exit 22
`
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(curl), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// headersFile is where the stand-in curl in bin records the headers it was given.
func headersFile(bin string) string { return filepath.Join(bin, "curl-headers") }

// writeArchive writes a release archive for binary: a gzipped tar holding
// a README and idpsync, which here is a launcher that runs binary with its
// arguments. What the install steps check and do (download, checksums,
// unpacking, running idpsync) is the same for any file; packing the 40 MB
// test binary itself made every install copy, hash and unpack it, about half
// a second of CPU each.
func writeArchive(t *testing.T, path, binary string) {
	t.Helper()
	if _, err := os.Stat(binary); err != nil {
		t.Fatal(err)
	}
	launcher := "#!/bin/sh\nexec '" + strings.ReplaceAll(binary, "'", `'\''`) + "' \"$@\"\n"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, e := range []struct {
		name string
		mode int64
		body []byte
	}{{"README.md", 0o644, []byte("# idpsync\n")}, {"idpsync", 0o755, []byte(launcher)}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
