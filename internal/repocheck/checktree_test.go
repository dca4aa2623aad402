package repocheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckTree runs scripts/check-tree.sh on small git repositories made
// for the purpose, one per case, and checks that it fails on each kind of
// file it must keep out (naming the file) and passes on the rest.
func TestCheckTree(t *testing.T) {
	for _, tool := range []string{"bash", "git", "od"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed to test scripts/check-tree.sh: %v", tool, err)
			}
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	script, err := filepath.Abs("../../scripts/check-tree.sh")
	if err != nil {
		t.Fatal(err)
	}
	const mib = 1 << 20
	big := bytes.Repeat([]byte("x"), mib+1)
	withMagic := func(magic ...byte) []byte {
		return append(magic, []byte("\x00\x00\x00\x00rest of the file")...)
	}
	tests := []struct {
		name      string
		files     map[string][]byte // tracked
		untracked map[string][]byte
		wantBad   []string // paths the script must name; none means it must pass
	}{
		{
			name: "clean",
			files: map[string][]byte{
				"main.go":                  []byte("package main\n"),
				"scripts/run.sh":           []byte("#!/bin/sh\necho MZ\n"),
				"exactly-1MiB.txt":         bytes.Repeat([]byte("x"), mib),
				"testdata/big.json":        big,
				"pkg/testdata/fuzz/big":    big,
				"file with spaces.txt":     []byte("text\n"),
				"starts-with-MZ.txt":       []byte("MZ, and text: no NUL byte in the first 64 bytes\n"),
				"empty":                    nil,
				"short":                    []byte("\x7fE"),
				"docs/elf.md":              []byte("An ELF file starts with 0x7f 'E' 'L' 'F'.\n"),
				"examples/x/main_test.go":  []byte("package main\n"),
				"deep/dir/notes/readme.md": []byte("text\n"),
			},
			untracked: map[string][]byte{
				"examples/x/x": withMagic(0x7f, 'E', 'L', 'F'),
				"huge.bin":     big,
			},
		},
		{
			name:    "ELF",
			files:   map[string][]byte{"examples/x/x": withMagic(0x7f, 'E', 'L', 'F')},
			wantBad: []string{"examples/x/x: tracked ELF executable"},
		},
		{
			name: "Mach-O",
			files: map[string][]byte{
				"bin/darwin-arm64": withMagic(0xcf, 0xfa, 0xed, 0xfe), // 64-bit, little-endian
				"bin/darwin-386":   withMagic(0xce, 0xfa, 0xed, 0xfe), // 32-bit, little-endian
				"bin/ppc":          withMagic(0xfe, 0xed, 0xfa, 0xce), // 32-bit, big-endian
				"bin/ppc64":        withMagic(0xfe, 0xed, 0xfa, 0xcf), // 64-bit, big-endian
			},
			wantBad: []string{
				"bin/darwin-arm64: tracked Mach-O executable",
				"bin/darwin-386: tracked Mach-O executable",
				"bin/ppc: tracked Mach-O executable",
				"bin/ppc64: tracked Mach-O executable",
			},
		},
		{
			name: "Mach-O universal",
			files: map[string][]byte{
				"tool":    withMagic(0xca, 0xfe, 0xba, 0xbe),
				"tool64":  withMagic(0xca, 0xfe, 0xba, 0xbf),
				"swapped": withMagic(0xbe, 0xba, 0xfe, 0xca),
			},
			wantBad: []string{
				"tool: tracked Mach-O universal",
				"tool64: tracked Mach-O universal",
				"swapped: tracked Mach-O universal",
			},
		},
		{
			name: "PE",
			files: map[string][]byte{
				"cmd/tool/tool.exe": withMagic('M', 'Z', 0x90, 0x00),
				// A NUL late in the DOS header (e_lfanew at 0x3c) still counts.
				"late-nul": append([]byte("MZ"+strings.Repeat("x", 60)), 0, 0, 0, 0),
			},
			wantBad: []string{"cmd/tool/tool.exe: tracked PE/DOS executable", "late-nul: tracked PE/DOS executable"},
		},
		{
			name:    "executable in testdata",
			files:   map[string][]byte{"testdata/tool": withMagic(0x7f, 'E', 'L', 'F')},
			wantBad: []string{"testdata/tool: tracked ELF executable"},
		},
		{
			name: "over 1 MiB outside testdata",
			files: map[string][]byte{
				"assets/video.txt":      big,
				"testdata-like/big.txt": big,
				"testdata/ok.txt":       big,
			},
			wantBad: []string{
				"assets/video.txt: 1048577 bytes, over 1 MiB",
				"testdata-like/big.txt: 1048577 bytes, over 1 MiB",
			},
		},
		{
			name:    "odd file name",
			files:   map[string][]byte{"dir with space/a\tb -x": withMagic(0x7f, 'E', 'L', 'F')},
			wantBad: []string{"dir with space/a\tb -x: tracked ELF executable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", args...)
				cmd.Dir = dir
				cmd.Env = gitEnv()
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			git("init", "-q")
			writeFiles(t, dir, tt.files)
			git("add", "-A")
			writeFiles(t, dir, tt.untracked)

			cmd := exec.Command("bash", script, dir)
			cmd.Dir = t.TempDir() // the script finds the repository from its argument
			cmd.Env = gitEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if len(tt.wantBad) == 0 {
				if err != nil || !strings.Contains(stdout.String(), "check-tree: OK") {
					t.Fatalf("check-tree.sh failed on a clean tree: %v\n%s%s", err, stdout.String(), stderr.String())
				}
				return
			}
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("check-tree.sh: %v, want exit status 1\n%s%s", err, stdout.String(), stderr.String())
			}
			for _, want := range tt.wantBad {
				if !strings.Contains(stderr.String(), "check-tree: "+want) {
					t.Errorf("check-tree.sh does not report %q; stderr:\n%s", want, stderr.String())
				}
			}
			if n := strings.Count(stderr.String(), "\n") - 1; n != len(tt.wantBad) { // minus "FAIL"
				t.Errorf("check-tree.sh reports %d problems, want %d; stderr:\n%s", n, len(tt.wantBad), stderr.String())
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// gitEnv is the environment for git in a test repository: no variable that
// points git at another repository (as in a hook), no user or system
// configuration.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+os.TempDir())
}
