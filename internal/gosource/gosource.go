// Package gosource reads the module's own Go source for the rule tests that hold every file
// to a rule (hit/rule_test.go, session/explain_test.go, internal/shellword/hints_test.go).
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
)

// EachFile parses every non-test Go file below root (the module's root, as the test sees it:
// "..", "../.."), leaving out hidden folders, testdata and node_modules, and calls each with
// the file's path and its syntax, positions in fset.
func EachFile(root string, fset *token.FileSet, each func(path string, f *ast.File)) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		each(path, f)
		return nil
	})
}
