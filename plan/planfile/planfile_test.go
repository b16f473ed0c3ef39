package planfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/idpsync/idpsync/plan"
)

// testEndpoint is the API the test plans are made against.
const testEndpoint = "https://api.example.test/client/v4"

// TestOtherEndpointRefused: a plan made against one API is refused against
// another, by name of both, and applies against its own.
func TestOtherEndpointRefused(t *testing.T) {
	k := testKey(t, "tok-one")
	b, err := Encode(samplePlan(k), k, testEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"http://127.0.0.1:8787", "sandbox", testEndpoint + "/", ""} {
		_, err := Decode("plan.out", b, k, other)
		var ee *EndpointError
		if !errors.As(err, &ee) || ee.Planned != testEndpoint || ee.ApplyTo != other {
			t.Fatalf("against %q: err = %v, want an EndpointError", other, err)
		}
		for _, want := range []string{"made against the API at " + testEndpoint, "Nothing was sent to the API"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
	}
	if _, err := Decode("plan.out", b, k, testEndpoint); err != nil {
		t.Errorf("against its own endpoint: %v", err)
	}
}

func testKey(t *testing.T, token string) Key {
	t.Helper()
	k, err := TokenKey(token)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func samplePlan(k Key) *plan.Plan {
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Accounts:      []plan.AccountRef{{ID: "023e105f4ecef8ad9ca31a8372d0c353", Label: "platform"}},
		Actions: []plan.Action{
			{
				Address: "account[platform].idp[GitHub]", Action: plan.Update, Resource: plan.ResourceIdP, Reason: plan.ReasonChanged,
				AccountID: "023e105f4ecef8ad9ca31a8372d0c353", Account: "platform", IdP: "account[platform].idp[GitHub]", IdPName: "GitHub",
				IDs: plan.IDs{IdP: "6b1cd4f6-0d57-4b6e-bc4d-8bbd1e7cbbd1"},
				Request: &plan.IdPRequest{
					Name: "GitHub", Type: "github",
					Config:  map[string]any{"client_id": "Iv1.0123456789abcdef", "client_secret": plan.SensitiveValue},
					Secrets: []plan.SecretRef{{Key: "client_secret", Ref: "${env:GITHUB_CLIENT_SECRET}", Hash: plan.SecretHash(k.SecretKey(), "s3cret")}},
				},
			},
			{
				Address: "account[platform].idp[Okta]", Action: plan.NoOp, Resource: plan.ResourceIdP, Reason: plan.ReasonInSync,
				AccountID: "023e105f4ecef8ad9ca31a8372d0c353", Account: "platform", IdP: "account[platform].idp[Okta]", IdPName: "Okta",
				IDs: plan.IDs{IdP: "f174e90a-fafe-4643-bbbc-4a0ed4fc8415"},
			},
		},
		Reads: []plan.Read{{Address: "account[platform].idp[GitHub]", AccountID: "023e105f4ecef8ad9ca31a8372d0c353", ID: "6b1cd4f6-0d57-4b6e-bc4d-8bbd1e7cbbd1", Version: "a1b2", Resource: plan.ResourceIdP}},
	}
}

func TestRoundTrip(t *testing.T) {
	k := testKey(t, "tok-one")
	p := samplePlan(k)
	path := filepath.Join(t.TempDir(), "saved.plan") // no .json: recognised by content
	if err := Save(path, p, k, testEndpoint); err != nil {
		t.Fatal(err)
	}
	ok, err := Detect(path)
	if !ok || err != nil {
		t.Fatalf("Detect = %v, %v; want a saved plan", ok, err)
	}
	got, err := Read(path, k, testEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Actions) != 2 || got.Actions[0].Request.Secrets[0].Hash != p.Actions[0].Request.Secrets[0].Hash || got.Reads[0].Version != "a1b2" {
		t.Errorf("read back %+v", got)
	}
	b, _ := os.ReadFile(path)
	for _, leak := range []string{"tok-one", "s3cret", "secret_salt"} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("the file holds %q", leak)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
}

// TestEditsRefused changes one thing of a saved plan at a time; every edit
// must be refused as such, never parsed.
func TestEditsRefused(t *testing.T) {
	k := testKey(t, "tok-one")
	good, err := Encode(samplePlan(k), k, testEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	hash := samplePlan(k).Actions[0].Request.Secrets[0].Hash
	tests := []struct{ name, old, new string }{
		{"action", `"action": "no-op"`, `"action": "delete"`},
		{"value", `"client_id": "Iv1.0123456789abcdef"`, `"client_id": "Iv1.attacker"`},
		{"id", `"idp": "f174e90a-fafe-4643-bbbc-4a0ed4fc8415"`, `"idp": "00000000-fafe-4643-bbbc-4a0ed4fc8415"`},
		{"account", `"account_id": "023e105f4ecef8ad9ca31a8372d0c353",
        "account": "platform",
        "idp": "account[platform].idp[GitHub]"`, `"account_id": "1a2b3c4d5e6f708192a3b4c5d6e7f809",
        "account": "platform",
        "idp": "account[platform].idp[GitHub]"`},
		{"reads emptied", `"reads": [`, `"reads": [], "x": [`},
		{"read version", `"version": "a1b2"`, `"version": "ffff"`},
		{"secret hash", hash, strings.Repeat("0", len(hash))},
		{"secret ref", `${env:GITHUB_CLIENT_SECRET}`, `${file:/etc/shadow}`},
		{"prune", `"label": "platform"`, `"label": "platform", "prune": true`},
		{"whitespace", "\n  \"plan\": {\n", "\n  \"plan\": { \n"},
		{"mac", `"mac": "hmac-sha256:`, `"mac": "hmac-sha256:00`},
		{"api endpoint", `"api_endpoint": "` + testEndpoint + `"`, `"api_endpoint": "https://api.attacker.example/client/v4"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tt.old)) {
				t.Fatalf("the file has no %q", tt.old)
			}
			bad := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
			_, err := Decode("plan.out", bad, k, testEndpoint)
			var me *MismatchError
			if !errors.As(err, &me) || me.OtherKey {
				t.Fatalf("err = %v, want an edit refused", err)
			}
			if !strings.Contains(err.Error(), "changed after idpsync wrote it") {
				t.Errorf("message = %q", err)
			}
		})
	}
}

func TestFormatEditsRefused(t *testing.T) {
	k := testKey(t, "tok-one")
	good, _ := Encode(samplePlan(k), k, testEndpoint)
	tests := []struct{ name, old, new, want string }{
		{"envelope version", `"idpsync_saved_plan": 2`, `"idpsync_saved_plan": 3`, "version 3 is not supported"},
		{"version 1, before the endpoint", `"idpsync_saved_plan": 2`, `"idpsync_saved_plan": 1`, "version 1 is not supported"},
		{"marker removed", `"idpsync_saved_plan": 2,`, ``, "not a plan saved"},
		{"extra field", `"key_id"`, `"extra": 1, "key_id"`, "damaged"},
		{"trailing data", "\n}\n", "\n}\n{}", "damaged"},
		{"mac removed", `"mac"`, `"mac_"`, "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
			_, err := Decode("plan.out", bad, k, testEndpoint)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A plan of another major format version, correctly authenticated, is
	// refused after the MAC verifies.
	p := samplePlan(k)
	p.FormatVersion = "2.0"
	b, _ := Encode(p, k, testEndpoint)
	if _, err := Decode("plan.out", b, k, testEndpoint); err == nil || !strings.Contains(err.Error(), `plan format "2.0" is not supported`) {
		t.Errorf("err = %v", err)
	}
}

// TestDamageQuotesNothing: an envelope that is not valid JSON, or not the
// envelope's shape, is reported by byte offset only, before its MAC is
// verified: nothing the file holds reaches the message.
func TestDamageQuotesNothing(t *testing.T) {
	k := testKey(t, "tok-one")
	good, _ := Encode(samplePlan(k), k, testEndpoint)
	const canary = "98765432123456789012345"
	tests := []struct{ name, old, new, want string }{
		{"syntax", `"key_id"`, `x"` + canary + `", "key_id"`, "not valid JSON at byte "},
		{"number for a string", `"key_id": "`, `"key_id": ` + canary + `, "_": "`, "a value of the wrong type at byte "},
		{"marker overflows", `"idpsync_saved_plan": 2`, `"idpsync_saved_plan": ` + canary, "a value of the wrong type at byte "},
		{"unknown field", `"key_id"`, `"` + canary + `": 1, "key_id"`, "a field a saved plan does not have"},
		{"truncated", `"mac"`, `"mac": "` + canary, "it ends before the envelope does"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tt.old)) {
				t.Fatalf("the file has no %q", tt.old)
			}
			bad := bytes.Replace(good, []byte(tt.old), []byte(tt.new), 1)
			if tt.name == "truncated" {
				bad = bad[:bytes.Index(bad, []byte(canary))+len(canary)]
			}
			_, err := Decode("plan.out", bad, k, testEndpoint)
			if err == nil || !strings.Contains(err.Error(), "damaged: "+tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			// A quoted character ('x') or a quoted value is what the
			// JSON messages would have echoed.
			if strings.Contains(err.Error(), canary) || strings.ContainsAny(err.Error(), `'"`) {
				t.Errorf("message quotes the file: %v", err)
			}
		})
	}
}

func TestOtherCredentialsRefused(t *testing.T) {
	k := testKey(t, "tok-one")
	good, _ := Encode(samplePlan(k), k, testEndpoint)
	envKey, err := EnvValueKey("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	globalKey, _ := GlobalKeyKey("ops@example.com", "tok-one")
	for name, other := range map[string]Key{"token": testKey(t, "tok-two"), "plan key": envKey, "email and key": globalKey} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode("plan.out", good, other, testEndpoint)
			var me *MismatchError
			if !errors.As(err, &me) || !me.OtherKey {
				t.Fatalf("err = %v, want another key", err)
			}
			if !strings.Contains(err.Error(), EnvKey) || !strings.Contains(err.Error(), "Nothing was sent to the API") {
				t.Errorf("message does not say how to fix it: %q", err)
			}
		})
	}
	// The same IDPSYNC_PLAN_KEY on both sides verifies, whatever the tokens.
	b, _ := Encode(samplePlan(envKey), envKey, testEndpoint)
	again, _ := EnvValueKey("0123456789abcdef0123456789abcdef")
	if _, err := Decode("plan.out", b, again, testEndpoint); err != nil {
		t.Errorf("same IDPSYNC_PLAN_KEY: %v", err)
	}
}

func TestKeys(t *testing.T) {
	if _, err := EnvValueKey(strings.Repeat("k", MaxEnvKeyLen+1)); err == nil || !strings.Contains(err.Error(), "at most 1024") {
		t.Errorf("an oversized IDPSYNC_PLAN_KEY: err = %v", err)
	}
	for _, short := range []string{"short", strings.Repeat("k", MinEnvKeyLen-1)} {
		if _, err := EnvValueKey(short); err == nil || !strings.Contains(err.Error(), "at least 32") {
			t.Errorf("short IDPSYNC_PLAN_KEY: %v", err)
		}
	}
	for _, blank := range []string{"", "   ", "\n\t", strings.Repeat(" ", 40)} {
		if _, err := EnvValueKey(blank); err == nil || !strings.Contains(err.Error(), "set but blank") {
			t.Errorf("blank IDPSYNC_PLAN_KEY %q: %v", blank, err)
		}
	}
	if _, err := EnvValueKey(strings.Repeat("k", MinEnvKeyLen)); err != nil {
		t.Errorf("a key of %d bytes: %v", MinEnvKeyLen, err)
	}
	a, _ := TokenKey("x\x00y")
	b, _ := GlobalKeyKey("x", "y")
	if a.ID() == b.ID() || bytes.Equal(a.SecretKey(), b.SecretKey()) {
		t.Error("a token and an email+key pair with the same bytes give the same key")
	}
	if bytes.Equal(a.SecretKey(), a.mac) {
		t.Error("the secret fingerprints and the MAC share a key")
	}
	if _, err := RandomKey(make([]byte, 8), "sandbox"); err == nil {
		t.Error("a short random key was accepted")
	}
}

func TestDetect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	tests := []struct {
		path    string
		want    bool
		wantErr error
	}{
		{write("idp.yaml", "version: 1\naccounts: []\n"), false, nil},
		{write("idp.json", `{"version": 1, "accounts": []}`), false, nil},
		{write("view.json", `{"format_version":"1.0","accounts":[]}`), false, ErrPlanView},
		{write("plan", "\n{\n  \"idpsync_saved_plan\": 1}"), true, nil},
		{dir, false, nil},
		{filepath.Join(dir, "absent"), false, nil},
	}
	for _, tt := range tests {
		got, err := Detect(tt.path)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("Detect(%s) = %v, %v; want %v, %v", filepath.Base(tt.path), got, err, tt.want, tt.wantErr)
		}
	}
}

// TestReadRefusesLargeAndOddFiles: a file larger than MaxSize is refused by
// its size, before it is read, and so is a directory.
func TestReadRefusesLargeAndOddFiles(t *testing.T) {
	dir := t.TempDir()
	k, err := TokenKey("tok")
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.plan")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: the size says 65 MiB, the disk holds nothing.
	if err := f.Truncate(MaxSize + 1<<20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Read(big, k, testEndpoint); err == nil || !strings.Contains(err.Error(), "larger than the 64 MiB a saved plan may be; not read") {
		t.Errorf("a 65 MiB file: err = %v", err)
	}
	if _, err := Read(dir, k, testEndpoint); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: err = %v", err)
	}
}
