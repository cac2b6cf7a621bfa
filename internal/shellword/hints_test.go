package shellword

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

// A profile name inside a command that a message suggests (`mfacred add NAME`, `… --profile
// NAME`) is written as a shell reads it back (Quote): a name such as `ops $(…)`, pasted
// unquoted, would run what it holds. Every non-test Go file of the module is read (go/parser);
// a format string's verb that stands inside backquotes right after one of the words below
// must be given shellword.Quote(…). The rule is syntactic: a message built some other way is not
// seen, so messages are written as format strings.
func TestSuggestedCommandsQuoteProfileNames(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var found []string
	err := gosource.EachFile(root, fset, func(_ string, f *ast.File) {
		found = append(found, unquotedNames(fset, f)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("a profile name is put into a suggested command unquoted (wrap it in shellword.Quote):\n  %s", strings.Join(found, "\n  "))
	}
}

func TestTheHintRuleFindsUnquotedNames(t *testing.T) {
	for src, want := range map[string]int{
		"func f(n string) error { return fmt.Errorf(\"run `mfacred add %s`\", n) }":                                             1,
		"func f(n string) error { return fmt.Errorf(\"profile %s: run `mfacred setup --profile %s`\", n, n) }":                  1,
		"func f(n string) error { return fmt.Errorf(\"profile %s: run `mfacred setup --profile %s`\", n, shellword.Quote(n)) }": 0,
		"func f(n string, err error) error { return fmt.Errorf(\"%w: run `mfacred add %s`\", err, shellword.Quote(n)) }":        0,
		"func f(n string, err error) error { return fmt.Errorf(\"%w: %d%% run `mfacred add %s`\", err, 3, n) }":                 1,
		"func f(id string) string { return fmt.Sprintf(\"`aws iam delete-access-key --access-key-id %s`\", id) }":               0,
		"func f(n string) string { return fmt.Sprintf(\"profile %s is \"+\"missing: `mfacred setup --profile %s`\", n, n) }":    1,
		"func f(n string) string { return fmt.Sprintf(\"`mfacred login --profile %s --stdout`\", n) }":                          1,
	} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "x.go", "package x\n"+src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if got := unquotedNames(fset, f); len(got) != want {
			t.Errorf("%s: found %d (%v), want %d", src, len(got), got, want)
		}
	}
}

// nameBefore are the words after which a command takes a profile name.
var nameBefore = []string{"--profile ", "mfacred add ", "--login-session "}

// unquotedNames lists the format verbs of f that put a name into a backquoted command without
// shellword.Quote.
func unquotedNames(fset *token.FileSet, f *ast.File) []string {
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		for i, a := range call.Args {
			format, ok := literal(a)
			if !ok || !strings.Contains(format, "`") || !strings.Contains(format, "%") {
				continue
			}
			for _, v := range nameVerbs(format) {
				arg := i + 1 + v
				if arg >= len(call.Args) || !isQuote(call.Args[arg]) {
					found = append(found, fset.Position(call.Pos()).String())
				}
			}
			break
		}
		return true
	})
	return found
}

// literal is the value of a string constant written as literals joined with +.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := literal(e.X)
		y, ok2 := literal(e.Y)
		return x + y, ok && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}

// nameVerbs are the argument numbers (from 0) of format's verbs that stand inside backquotes
// right after a word of nameBefore.
func nameVerbs(format string) []int {
	var out []int
	in, start, n := false, 0, 0
	for i := 0; i < len(format); i++ {
		switch format[i] {
		case '`':
			in, start = !in, i+1
		case '%':
			if i+1 < len(format) && format[i+1] == '%' {
				i++
				continue
			}
			if in {
				for _, w := range nameBefore {
					if strings.HasSuffix(format[start:i], w) {
						out = append(out, n)
						break
					}
				}
			}
			n++
		}
	}
	return out
}

func isQuote(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := fn.X.(*ast.Ident)
	return ok && pkg.Name == "shellword" && fn.Sel.Name == "Quote"
}
