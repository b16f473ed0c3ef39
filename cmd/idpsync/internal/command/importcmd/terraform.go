package importcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/idpsync/idpsync/cmd/idpsync/internal/cli"
	"github.com/idpsync/idpsync/idptype"
	"github.com/idpsync/idpsync/internal/sanitize"
	"github.com/idpsync/idpsync/tfimport"
)

// RemovedFile is the file of removed blocks written next to the YAML.
const RemovedFile = "idpsync-removed.tf"

// runTerraform imports from the JSON of terraform show -json: everything is
// converted and checked first, then written; on error nothing is.
func runTerraform(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.Out == "" {
		return errors.New("--from-terraform writes the YAML and a Terraform file of removed blocks: give --out DIR")
	}
	if len(opts.Accounts)+len(opts.Zones) > 0 {
		return errors.New("--from-terraform takes the accounts and zones from the Terraform JSON: leave out --account and --zone")
	}
	if opts.API.Sandbox != "" || opts.API.URL != "" || opts.API.TokenFile != "" {
		return errors.New("--from-terraform reads a file and calls no API: leave out --sandbox, --api-url and --api-token-file")
	}
	grants := map[string]string{}
	for _, g := range opts.Grants {
		id, name, ok := strings.Cut(g, "=")
		if !ok || id == "" || name == "" {
			return errors.New("--grant: expected GRANT_ID=IDP_NAME")
		}
		grants[id] = name
	}
	var data []byte
	var err error
	if opts.FromTerraform == "-" {
		data, err = readLimited(f.IO.In, "standard input")
	} else {
		data, err = readBounded(opts.FromTerraform)
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := tfimport.Convert(data, tfimport.Options{Grants: grants})
	if err != nil {
		return fmt.Errorf("%s: %w", tfimport.Clean(opts.FromTerraform), err)
	}
	if len(res.Imported) == 0 {
		return fmt.Errorf("%s: no identity provider or IdP share of the Cloudflare provider to import; nothing written", tfimport.Clean(opts.FromTerraform))
	}

	files, secrets, err := terraformFiles(res)
	if err != nil {
		return err
	}

	if err := cli.CheckOutDir("--out", opts.Out); err != nil {
		return err
	}
	paths := make([]string, len(files))
	for i, fl := range files {
		paths[i] = filepath.Join(opts.Out, fl.name)
	}
	if err := cli.RefuseOverwrite("--out", opts.Force, paths...); err != nil {
		return err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := writeAll(opts.Out, files); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	w := f.IO.ErrOut
	for _, fl := range files {
		fmt.Fprintf(w, "Wrote %s\n", filepath.Join(opts.Out, fl.name))
	}
	report(w, res, secrets, opts.Out)
	return nil
}

type outFile struct {
	name string
	data []byte
}

// terraformFiles renders what --from-terraform writes: one YAML file per
// account or zone, then the removed blocks.
func terraformFiles(res *tfimport.Result) ([]outFile, []secretVar, error) {
	var files []outFile
	var secrets []secretVar
	for _, owner := range res.Owners {
		node, s := accountNode(res.Live.Accounts[owner], res.Refs[owner])
		secrets = append(secrets, s...)
		var b strings.Builder
		if err := writeDoc(&b, []*yaml.Node{node}, []string{owner}); err != nil {
			return nil, nil, err
		}
		files = append(files, outFile{ownerFile(owner), []byte(b.String())})
	}
	if err := checkSecretNames(secrets); err != nil {
		return nil, nil, err
	}
	files = append(files, outFile{RemovedFile, tfimport.RemovedBlocks(res)})
	return files, secrets, nil
}

// writeAll writes every file or, short of a failing rename, none: each is
// written in full to a new temporary file in dir (created exclusively, as
// cli.WriteFile does, so that a link planted at a name is replaced, never
// written through), and only once all are written are they renamed into
// place.
func writeAll(dir string, files []outFile) error {
	var tmps []string
	defer func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for _, fl := range files {
		path := filepath.Join(dir, fl.name)
		if st, err := os.Lstat(path); err == nil && st.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		tmp, err := os.CreateTemp(dir, "."+fl.name+".tmp-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", path, cause(err))
		}
		tmps = append(tmps, tmp.Name())
		_, werr := tmp.Write(fl.data)
		cerr := tmp.Chmod(0o644)
		if err := errors.Join(werr, cerr, tmp.Close()); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	for i, fl := range files {
		path := filepath.Join(dir, fl.name)
		if err := os.Rename(tmps[i], path); err != nil {
			return fmt.Errorf("write %s: %w", path, cause(err))
		}
		tmps[i] = ""
	}
	return nil
}

// cause is the reason of a file error without the path it names.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

// ownerFile names an owner's YAML file as the live import does. Owner ids
// are 32 hex characters (tfimport checks them).
func ownerFile(owner string) string {
	if idptype.IsZone(owner) {
		return "zone-" + idptype.OwnerID(owner) + ".yaml"
	}
	return owner + ".yaml"
}

// readBounded reads the input up to tfimport.MaxInputBytes, refusing more.
func readBounded(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--from-terraform: %w", err)
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && !st.Mode().IsRegular() && st.Mode()&fs.ModeNamedPipe == 0 {
		return nil, fmt.Errorf("--from-terraform: %s is not a regular file", tfimport.Clean(path))
	}
	return readLimited(fh, tfimport.Clean(path))
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, tfimport.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--from-terraform: %w", err)
	}
	if len(data) > tfimport.MaxInputBytes {
		return nil, fmt.Errorf("--from-terraform: %s is larger than %d MiB; expected the output of terraform show -json", name, tfimport.MaxInputBytes>>20)
	}
	return data, nil
}

// report tells what was imported, what was not and why, and what to do next.
func report(w io.Writer, res *tfimport.Result, secrets []secretVar, out string) {
	fmt.Fprintf(w, "\nImported %d resource instances from the Terraform %s.\n", len(res.Imported), res.Kind)
	if len(secrets) > 0 {
		fmt.Fprintln(w, "\nSecrets are not copied from the Terraform state. Set these variables before plan or apply:")
		printSecrets(w, secrets)
	}
	if len(res.CertFiles) > 0 {
		fmt.Fprintln(w, "\nSave these certificates (PEM) next to the YAML before plan:")
		for _, c := range res.CertFiles {
			fmt.Fprintf(w, "  %s  (%s)\n", filepath.Join(out, c.Path), tfimport.Clean(c.Address))
		}
	}
	if len(res.Gaps) > 0 {
		fmt.Fprintln(w, "\nNot a clean round trip: these differ from what Terraform set, and plan may show them:")
		for _, g := range res.Gaps {
			fmt.Fprintf(w, "  %s %s: %s\n", tfimport.Clean(g.Address), g.Attribute, g.Why)
		}
	}
	var left []tfimport.Skip
	var attrs []tfimport.Skip
	for _, s := range res.Skipped {
		if s.Attribute == "" {
			left = append(left, s)
		} else {
			attrs = append(attrs, s)
		}
	}
	if len(attrs) > 0 {
		fmt.Fprintln(w, "\nSkipped attributes (not carried into the YAML):")
		for i := 0; i < len(attrs); {
			j := i
			var names []string
			for j < len(attrs) && attrs[j].Address == attrs[i].Address && attrs[j].Reason == attrs[i].Reason {
				names = append(names, attrs[j].Attribute)
				j++
			}
			fmt.Fprintf(w, "  %s: %s: %s\n", tfimport.Clean(attrs[i].Address), strings.Join(names, ", "), attrs[i].Reason)
			i = j
		}
	}
	if len(left) > 0 || len(res.Other) > 0 {
		fmt.Fprintln(w, "\nLeft in Terraform (no removed block):")
		for _, s := range left {
			fmt.Fprintf(w, "  %s: %s\n", tfimport.Clean(s.Address), s.Reason)
		}
		types := make([]string, 0, len(res.Other))
		for t := range res.Other {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			fmt.Fprintf(w, "  %d × %s: not an identity provider or IdP share\n", res.Other[t], tfimport.Clean(t))
		}
	}
	if len(res.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings:")
		for _, m := range res.Warnings {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	fmt.Fprintln(w, "\nIDs of the imported objects, for Terraform configuration that referred to them:")
	for _, im := range res.Imported {
		fmt.Fprintf(w, "  %s = %s\n", tfimport.Clean(im.Address.String()), im.ID)
	}
	fmt.Fprintf(w, "\nWith Terraform or OpenTofu before 1.7, instead of %s:\n", RemovedFile)
	for _, c := range tfimport.StateRmCommands(res) {
		// Pasted into a shell: as built (one quoted word per address),
		// with only what a CI log would read as a command broken.
		fmt.Fprintf(w, "  %s\n", sanitize.Text(c))
	}
	fmt.Fprintf(w, "\nNext: idpsync plan %s must show no changes; then move %s into the Terraform root module, delete the resource blocks it names, and terraform plan must show only forgets.\n", out, RemovedFile)
}
