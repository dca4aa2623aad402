// Package docsnippet keeps the Go snippets of a package documentation
// honest: every snippet must stand, line for line, in one of the package's
// test files (an Example function), where the compiler checks it.
package docsnippet

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Check fails t for every Go snippet of the package documentation in dir
// whose lines (indentation aside) do not appear in that order, one after
// the other, in a _test.go file of dir. A snippet is a run of code lines
// (indented lines of the doc comment) without a blank line in it; runs
// that do not parse as Go statements or declarations (tables, JSON, shell
// commands) are not snippets.
func Check(t *testing.T, dir string) {
	t.Helper()
	doc, tests := "", [][]string(nil)
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, "_test.go") {
			tests = append(tests, trimmed(strings.Split(string(src), "\n")))
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			doc += f.Doc.Text()
		}
	}
	if doc == "" {
		t.Fatalf("no package documentation in %s", dir)
	}
	for _, snippet := range snippets(doc) {
		if !isGo(snippet) {
			continue
		}
		if !slices.ContainsFunc(tests, func(lines []string) bool { return contains(lines, snippet) }) {
			t.Errorf("package doc snippet is in no test file:\n%s", strings.Join(snippet, "\n"))
		}
	}
}

// snippets returns the code blocks of doc, split at blank lines, with
// their lines trimmed.
func snippets(doc string) [][]string {
	var out [][]string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, trimmed(cur))
			cur = nil
		}
	}
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "\t") && strings.TrimSpace(l) != "" {
			cur = append(cur, l)
			continue
		}
		flush()
	}
	flush()
	return out
}

func trimmed(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

// isGo reports whether lines parse as Go: statements (a function body)
// or top-level declarations. A run that merely continues one (a lone
// closing brace, a case clause) is still Go when it parses inside a
// switch or a composite literal; anything else, such as a table or a
// JSON document, is not.
func isGo(lines []string) bool {
	src := strings.Join(lines, "\n")
	for _, wrap := range []string{
		"package p\nfunc _() {\n%s\n}",
		"package p\n%s",
		"package p\nfunc _() {\nswitch {\n%s\n}\n}",
	} {
		if _, err := parser.ParseFile(token.NewFileSet(), "", strings.Replace(wrap, "%s", src, 1), parser.SkipObjectResolution); err == nil {
			return true
		}
	}
	return false
}

// contains reports whether want stands in lines as consecutive lines.
func contains(lines, want []string) bool {
	for i := 0; i+len(want) <= len(lines); i++ {
		if slices.Equal(lines[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
