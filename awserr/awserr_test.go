package awserr

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/gosource"
)

// AWS's words are read in one place: no file of the module but awserr.go calls
// ErrorMessage() (Classify reads the message only where the code does not tell).
func TestAWSMessagesReadInOnePlace(t *testing.T) {
	root := ".."
	fset := token.NewFileSet()
	var found []string
	err := gosource.EachFile(root, fset, func(path string, f *ast.File) {
		if path == filepath.Join(root, "awserr", "awserr.go") {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "ErrorMessage" {
				found = append(found, fset.Position(sel.Pos()).String())
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("AWS's message read outside awserr/awserr.go (classify it there):\n  %s", strings.Join(found, "\n  "))
	}
}
