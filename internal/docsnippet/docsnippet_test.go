package docsnippet

import (
	"slices"
	"testing"
)

func TestSnippets(t *testing.T) {
	doc := "Text.\n\n\ta := 1\n\t\tb(a)\n\n\tc()\nMore text.\n\td()\n"
	got := snippets(doc)
	want := [][]string{{"a := 1", "b(a)"}, {"c()"}, {"d()"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("snippets = %q, want %q", got, want)
	}
	lines := trimmed([]string{"func Example() {", "\ta := 1", "\tb(a)", "}"})
	if !contains(lines, want[0]) || contains(lines, []string{"b(a)", "a := 1"}) || contains(lines, want[1]) {
		t.Fatal("contains does not match consecutive lines in order")
	}
}

func TestIsGo(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  bool
	}{
		{[]string{"a := 1", "b(a)"}, true},
		{[]string{"func F() {}"}, true},
		{[]string{"if err != nil {", "log.Fatal(err)", "}"}, true},
		{[]string{"| code | status |", "|---|---|"}, false},
		{[]string{`{"keys": [{"kid": "k4.pid.x"}]}`}, false},
		{[]string{"go run ./cmd/pasetokit keygen --version 4"}, false},
		{[]string{"..."}, false},
	} {
		if got := isGo(c.lines); got != c.want {
			t.Errorf("isGo(%q) = %v, want %v", c.lines, got, c.want)
		}
	}
}
