package hit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/gosource"
)

// No package but hit decides how much life is enough: every non-test Go file of the module
// is read (go/parser, no type information, so the rule is syntactic and exact about what it
// finds), and these are refused outside package hit:
//
//   - a comparison (<, <=, >, >=, ==, !=) one of whose operands holds a time left: a call
//     X.Sub(Y) where X or Y names an expiry, time.Until(X) or time.Since(X) of an expiry, a
//     method call .Left(…) (tokenfile.Token.Left; a package's function such as
//     deadline.Left is not a method), or a variable assigned one of those in the same
//     function (left := e.Expiration.Sub(now); left > m);
//   - a constant or variable that is one of hit's exported names as it is (const X =
//     hit.Y, var X = hit.Y): a second name for a margin is a second place to look for it.
//
// An expiry is an identifier or a field named Expiration, Expires, Expiry, exp or expires
// (cache.Entry.Expiration, tokenfile.Token.Expires, the servers' exp). There is no
// allowlist: code that must compare a time left moves into hit.
func TestNoTimeLeftIsComparedOutsideHit(t *testing.T) {
	root := filepath.Join("..")
	fset := token.NewFileSet()
	var found []string
	err := gosource.EachFile(root, fset, func(path string, f *ast.File) {
		if filepath.Dir(path) != filepath.Join(root, "hit") {
			found = append(found, marginsIn(fset, f)...)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("a time left is decided outside package hit (make hit answer with a Verdict):\n  %s", strings.Join(found, "\n  "))
	}
}

// The rule sees what it is meant to see, and nothing else.
func TestTheRuleFindsMargins(t *testing.T) {
	for src, want := range map[string]int{
		`func f(e cache.Entry, now time.Time) bool { return e.Expiration.Sub(now) > 15*time.Minute }`:   1,
		`func f(e cache.Entry, now time.Time) bool { left := e.Expiration.Sub(now); return left <= 0 }`: 1,
		`func f(exp time.Time) bool { return time.Until(exp) < time.Minute }`:                           1,
		`func f(t *tokenfile.Token, now time.Time) bool { return t.Left(now) >= RefreshBelow }`:         1,
		`func f(got, exp time.Time) bool { life := exp.Sub(got); return life > 2*window }`:              1,
		`const RenewBefore = hit.RenewBefore`:                                                           1,
		`var window = hit.Server`:                                                                       1,
		`func f(at, now time.Time) bool { return now.Sub(at) > 3*CodeStep }`:                            0,
		`func f(ctx context.Context) bool { return deadline.Left(ctx, 1, 2) > 0 }`:                      0,
		`func f(d time.Time) bool { left := time.Until(d); return left < 0 }`:                           0,
		`func f(e cache.Entry, now time.Time) string { return e.Expiration.Sub(now).String() }`:         0,
		`var policy = hit.Process.Margin()`:                                                             0,
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", "package x\nimport (\"time\"; \"context\"; \"github.com/mfacred/mfacred/deadline\"; \"github.com/mfacred/mfacred/hit\")\n"+src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := marginsIn(fset, f); len(got) != want {
			t.Errorf("%s: found %q, want %d", src, got, want)
		}
	}
}

// marginsIn lists where f compares a time left, or renames one of hit's exported names.
func marginsIn(fset *token.FileSet, f *ast.File) []string {
	imports := map[string]bool{}
	hitName := ""
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := filepath.Base(path)
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = true
		if path == "github.com/mfacred/mfacred/hit" {
			hitName = name
		}
	}
	var found []string
	say := func(n ast.Node, what string) {
		found = append(found, fset.Position(n.Pos()).String()+": "+what)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					if sel, ok := v.(*ast.SelectorExpr); ok && hitName != "" && isIdent(sel.X, hitName) {
						say(v, "a second name for hit."+sel.Sel.Name)
					}
				}
				checkComparisons(vs, imports, map[string]bool{}, say)
			}
		case *ast.FuncDecl:
			if d.Body != nil {
				checkComparisons(d.Body, imports, map[string]bool{}, say)
			}
		}
	}
	return found
}

// checkComparisons reports every comparison in n with a time left in an operand; lefts are
// the variables of n assigned one, found in the order of the source.
func checkComparisons(n ast.Node, imports, lefts map[string]bool, say func(ast.Node, string)) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, rhs := range n.Rhs {
				if i < len(n.Lhs) && holdsTimeLeft(rhs, imports, lefts) {
					if id, ok := n.Lhs[i].(*ast.Ident); ok {
						lefts[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for i, rhs := range n.Values {
				if i < len(n.Names) && holdsTimeLeft(rhs, imports, lefts) {
					lefts[n.Names[i].Name] = true
				}
			}
		case *ast.BinaryExpr:
			switch n.Op {
			case token.LSS, token.LEQ, token.GTR, token.GEQ, token.EQL, token.NEQ:
				if holdsTimeLeft(n.X, imports, lefts) || holdsTimeLeft(n.Y, imports, lefts) {
					say(n, "a time left compared")
				}
			}
		}
		return true
	})
}

// holdsTimeLeft reports whether e is, or is computed from, a time left (see
// TestNoTimeLeftIsComparedOutsideHit), without looking into a call's result of another kind:
// e.Expiration.Sub(now).String() is text.
func holdsTimeLeft(e ast.Expr, imports, lefts map[string]bool) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return holdsTimeLeft(e.X, imports, lefts)
	case *ast.BinaryExpr:
		return holdsTimeLeft(e.X, imports, lefts) || holdsTimeLeft(e.Y, imports, lefts)
	case *ast.UnaryExpr:
		return holdsTimeLeft(e.X, imports, lefts)
	case *ast.Ident:
		return lefts[e.Name]
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		pkg, _ := sel.X.(*ast.Ident)
		isPkg := pkg != nil && imports[pkg.Name]
		switch {
		case sel.Sel.Name == "Sub" && !isPkg && len(e.Args) == 1:
			return namesExpiry(sel.X) || namesExpiry(e.Args[0])
		case isPkg && pkg.Name == "time" && (sel.Sel.Name == "Until" || sel.Sel.Name == "Since") && len(e.Args) == 1:
			return namesExpiry(e.Args[0])
		case sel.Sel.Name == "Left" && !isPkg:
			return true
		case sel.Sel.Name == "Truncate" || sel.Sel.Name == "Round" || sel.Sel.Name == "Abs":
			return holdsTimeLeft(sel.X, imports, lefts) // still a duration
		}
	}
	return false
}

// namesExpiry reports whether e is an expiry: an identifier or field named as one.
func namesExpiry(e ast.Expr) bool {
	var name string
	switch e := e.(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		name = e.Sel.Name
	case *ast.ParenExpr:
		return namesExpiry(e.X)
	default:
		return false
	}
	switch name {
	case "Expiration", "Expires", "Expiry", "exp", "expires", "expiry":
		return true
	}
	return false
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
