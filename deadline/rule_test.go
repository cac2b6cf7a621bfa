package deadline

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/gosource"
)

// A plain time.Sleep is a wait nothing ends early, so mfacred's own code waits with Sleep
// (wait.go), which Ctrl-C and SIGTERM end. Two retries too short to matter sleep plainly;
// they are named here with their bound, and any other time.Sleep in the product fails this
// test. The test programs (the local STS, the SDK clients, the bench) are not the product.
func TestEveryWaitEndsWithItsContext(t *testing.T) {
	short := map[string]string{
		filepath.Join("internal", "atomicfile", "atomicfile.go"):   "a rename Windows refuses while a reader holds the file, tried again for about a second",
		filepath.Join("loginsession", "tokenfile", "tokenfile.go"): "a token file caught half written, read again 5 times 40 ms apart",
	}
	notProduct := []string{"bench", "tools", "e2e", "localsts", filepath.Join("internal", "sdkclient"),
		filepath.Join("internal", "winclient"), filepath.Join("internal", "testenv"), filepath.Join("internal", "vaultwriter")}
	root := ".."
	fset := token.NewFileSet()
	var found []string
	seen := map[string]bool{}
	err := gosource.EachFile(root, fset, func(path string, f *ast.File) {
		rel, _ := filepath.Rel(root, path)
		if slices.ContainsFunc(notProduct, func(dir string) bool { return strings.HasPrefix(rel, dir+string(filepath.Separator)) }) {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Sleep" {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "time" {
				if _, ok := short[rel]; ok {
					seen[rel] = true
				} else {
					found = append(found, fset.Position(sel.Pos()).String())
				}
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("time.Sleep, which Ctrl-C does not end, in mfacred's code: wait with deadline.Sleep(ctx, d):\n  %s", strings.Join(found, "\n  "))
	}
	for rel, why := range short {
		if !seen[rel] {
			t.Errorf("%s no longer sleeps (%s): take it off the list", rel, why)
		}
	}
}
