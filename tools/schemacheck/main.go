// Command schemacheck validates JSON and YAML documents against a JSON Schema, as the package
// managers that read them do: the release's Scoop manifest and winget manifests against the
// schemas vendored in e2e/testdata/schemas (e2e/release_test.go runs it).
//
//	schemacheck SCHEMA DOCUMENT...
//
// A document whose name ends in .yaml or .yml is read as YAML. Every problem is printed, one
// document at a time; the exit status is 1 when any document fails, 2 on a usage error.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: schemacheck SCHEMA DOCUMENT...")
		os.Exit(2)
	}
	schema, err := compile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "schemacheck: %v\n", err)
		os.Exit(2)
	}
	failed := false
	for _, doc := range os.Args[2:] {
		if err := check(schema, doc); err != nil {
			fmt.Fprintf(os.Stderr, "schemacheck: %s: %v\n", doc, err)
			failed = true
			continue
		}
		fmt.Printf("%s: valid against %s\n", doc, filepath.Base(os.Args[1]))
	}
	if failed {
		os.Exit(1)
	}
}

// compile loads the schema from its file; it and the draft it names are all it may reference:
// nothing is fetched.
func compile(path string) (*jsonschema.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("read schema %s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file://" + filepath.ToSlash(path)
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("add schema %s: %w", path, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", path, err)
	}
	return s, nil
}

func check(schema *jsonschema.Schema, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		if data, err = yaml.YAMLToJSON(data); err != nil {
			return fmt.Errorf("read yaml: %w", err)
		}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("read json: %w", err)
	}
	return schema.Validate(doc)
}
