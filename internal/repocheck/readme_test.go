package repocheck

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// readmePath is the README whose snippets are checked, relative to this
// package's directory (inside the repository: tests never read outside it).
const readmePath = "../../README.md"

// stdImports maps the package names README snippets may use from the
// standard library to their import paths. This module's own packages are
// found by scanning the repository. A snippet using a package in neither
// fails with "undefined: name": add the package here.
var stdImports = map[string]string{
	"bytes":    "bytes",
	"context":  "context",
	"errors":   "errors",
	"fmt":      "fmt",
	"http":     "net/http",
	"httptest": "net/http/httptest",
	"io":       "io",
	"json":     "encoding/json",
	"log":      "log",
	"os":       "os",
	"rand":     "crypto/rand",
	"slog":     "log/slog",
	"strings":  "strings",
	"time":     "time",
}

// A snippet is one ```go block of the README.
type snippet struct {
	line  int    // line of the README where the code starts
	code  string // the code, without the fences
	given string // parameter list of names the code uses from its context
}

// TestReadmeSnippets type-checks every ```go block of README.md against
// this repository's packages, and checks that it is gofmt-formatted.
//
// A block is a whole file (starting with "package"), top-level declarations,
// or, most often, a list of statements, which is checked as the body of a
// function returning error (so `return err` works). Imports are added for
// the packages the code names. Names the code takes from its context are
// declared in an HTML comment, invisible on GitHub, on the line before the
// block, as a Go parameter list:
//
//	<!-- readmecheck: given mux *http.ServeMux, api http.Handler -->
//
// Errors point at README.md lines.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	snippets, err := parseSnippets(readme)
	if err != nil {
		t.Fatal(err)
	}
	if len(snippets) == 0 {
		t.Fatalf("%s has no ```go blocks: has it moved?", readmePath)
	}
	ownPkgs, err := modulePackages("../..")
	if err != nil {
		t.Fatal(err)
	}
	imports := make(map[string]string, len(stdImports)+len(ownPkgs))
	for name, path := range stdImports {
		imports[name] = path
	}
	for name, path := range ownPkgs {
		imports[name] = path
	}

	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	srcs := make([][]byte, len(snippets))
	var paths []string
	for i, s := range snippets {
		src, imported, err := snippetFile(s, imports)
		if err != nil {
			t.Fatal(err)
		}
		srcs[i] = src
		paths = append(paths, imported...)
	}
	fset := token.NewFileSet()
	imp, err := exportImporter(fset, paths)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range snippets {
		t.Run(fmt.Sprintf("README.md:%d", s.line), func(t *testing.T) {
			if formatted, err := format.Source([]byte(s.code)); err == nil && string(formatted) != s.code {
				t.Errorf("README.md:%d: the snippet is not gofmt-formatted; gofmt gives:\n%s", s.line, formatted)
			}
			src := srcs[i]
			filename := filepath.Join(wd, fmt.Sprintf("readme_snippet_%d.go", i))
			f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
			if err != nil {
				t.Fatalf("%v\n(the code as checked:)\n%s", err, src)
			}
			var errs []string
			conf := types.Config{
				Importer: imp,
				Error: func(err error) {
					if te, ok := err.(types.Error); ok {
						pos := te.Fset.Position(te.Pos)
						err = fmt.Errorf("%s:%d:%d: %s", filepath.Base(pos.Filename), pos.Line, pos.Column, te.Msg)
					}
					errs = append(errs, err.Error())
				},
			}
			conf.Check(fmt.Sprintf("readme/snippet%d", i), fset, []*ast.File{f}, nil)
			if len(errs) > 0 {
				t.Errorf("README.md:%d: the snippet does not compile:\n\t%s", s.line, strings.Join(errs, "\n\t"))
			}
		})
	}
}

// parseSnippets returns the ```go blocks of a Markdown document, with the
// readmecheck comment before each.
func parseSnippets(md []byte) ([]snippet, error) {
	var (
		out     []snippet
		cur     *snippet
		code    strings.Builder
		prev    string // the last non-blank line before a fence
		lineNum int
	)
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &snippet{line: lineNum + 1}
			code.Reset()
			if d, ok := strings.CutPrefix(strings.TrimSpace(prev), "<!-- readmecheck:"); ok {
				d, ok = strings.CutSuffix(d, "-->")
				d = strings.TrimSpace(d)
				given, isGiven := strings.CutPrefix(d, "given ")
				if !ok || !isGiven {
					return nil, fmt.Errorf("README.md:%d: want <!-- readmecheck: given name type, … -->, got %q", lineNum-1, prev)
				}
				cur.given = strings.TrimSpace(given)
			}
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.code = code.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line)
			code.WriteByte('\n')
		}
		if strings.TrimSpace(line) != "" {
			prev = line
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: ```go block never closed", cur.line-1)
	}
	return out, sc.Err()
}

// snippetFile returns the Go file in which s is checked: s itself when it
// is a file, else s in package "snippet", as declarations or as the body of
// func snippet(given) error, with imports for the packages it names. A
// //line comment makes positions in s report README.md lines.
func snippetFile(s snippet, imports map[string]string) (src []byte, imported []string, err error) {
	lineDirective := fmt.Sprintf("//line README.md:%d:1\n", s.line)
	if strings.HasPrefix(strings.TrimSpace(s.code), "package ") {
		f, err := parser.ParseFile(token.NewFileSet(), "", s.code, parser.ImportsOnly)
		if err != nil {
			return nil, nil, err
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			imported = append(imported, path)
		}
		return []byte(lineDirective + s.code), imported, nil
	}
	body := lineDirective + s.code
	if _, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\n"+s.code, parser.SkipObjectResolution); err != nil {
		body = "func snippet(" + s.given + ") error {\n" + body + "return nil\n}\n"
	} else if s.given != "" {
		return nil, nil, fmt.Errorf("README.md:%d: a \"given\" comment only applies to statements, not declarations", s.line)
	}

	// Names used as pkg.Name that nothing in the file declares.
	f, err := parser.ParseFile(token.NewFileSet(), "", "package snippet\n"+body, 0)
	if err != nil {
		return nil, nil, err
	}
	unresolved := make(map[*ast.Ident]bool, len(f.Unresolved))
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && unresolved[id] {
				used[id.Name] = true
			}
		}
		return true
	})
	var paths []string
	for name := range used {
		if path, ok := imports[name]; ok {
			imported = append(imported, path)
			if path == name || strings.HasSuffix(path, "/"+name) {
				paths = append(paths, strconv.Quote(path))
			} else {
				paths = append(paths, name+" "+strconv.Quote(path))
			}
		}
	}
	sort.Strings(paths)
	var b strings.Builder
	b.WriteString("package snippet\n\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "import %s\n", p)
	}
	b.WriteString("\n")
	b.WriteString(body)
	return []byte(b.String()), imported, nil
}

// exportImporter returns an importer that reads the compiler's export data
// for paths and their dependencies, which `go list -export` builds (or
// finds in the build cache) from this directory, so the workspace's code is
// what the snippets are checked against.
func exportImporter(fset *token.FileSet, paths []string) (types.Importer, error) {
	export := map[string]string{}
	if len(paths) > 0 {
		args := append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, paths...)
		cmd := exec.Command("go", args...)
		cmd.Stderr = new(bytes.Buffer)
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -export: %v\n%s", err, cmd.Stderr)
		}
		for line := range strings.Lines(string(out)) {
			path, file, _ := strings.Cut(strings.TrimSpace(line), "\t")
			export[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file := export[path]
		if file == "" {
			return nil, fmt.Errorf("no export data for %q (not imported by any snippet?)", path)
		}
		return os.Open(file)
	}), nil
}

// modulePackages maps package names to import paths for the importable
// packages of the module at root and of the modules nested in it (such as
// store/redisstore), leaving out commands, examples, internal packages and
// test data.
func modulePackages(root string) (map[string]string, error) {
	pkgs := map[string]string{}
	modulePath := map[string]string{} // directory of a go.mod → its module path
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		switch d.Name() {
		case "testdata", "internal", "examples", "cmd", "node_modules", "e2e", "bench":
			return filepath.SkipDir
		}
		if strings.HasPrefix(d.Name(), ".") && rel != "." {
			return filepath.SkipDir
		}
		if mod, err := os.ReadFile(filepath.Join(path, "go.mod")); err == nil {
			line, _, _ := strings.Cut(string(mod), "\n")
			modulePath[rel] = strings.TrimSpace(strings.TrimPrefix(line, "module"))
		}
		name, err := packageName(path)
		if err != nil || name == "" || name == "main" {
			return err
		}
		// The import path: the nearest enclosing module's path, plus the rest.
		for dir := rel; ; dir = filepath.Dir(dir) {
			if mp, ok := modulePath[dir]; ok {
				sub, _ := filepath.Rel(dir, rel)
				ip := mp
				if sub != "." {
					ip += "/" + filepath.ToSlash(sub)
				}
				if other, dup := pkgs[name]; dup {
					return fmt.Errorf("packages %s and %s are both named %s: name one in stdImports' place", other, ip, name)
				}
				pkgs[name] = ip
				return nil
			}
			if dir == "." {
				return fmt.Errorf("%s: no enclosing go.mod", rel)
			}
		}
	})
	return pkgs, err
}

// packageName returns the package clause of the non-test Go files in dir,
// or "" when there are none.
func packageName(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), m, nil, parser.PackageClauseOnly)
		if err != nil {
			return "", err
		}
		return f.Name.Name, nil
	}
	return "", nil
}
