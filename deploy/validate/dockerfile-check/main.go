// dockerfile-check: parses a Dockerfile with BuildKit's own parser (the one `docker build`
// uses) and prints a JSON summary of its stages for the shell check to assert on:
//
//	dockerfile-check Dockerfile [CONTEXT_DIR]
//
// It fails when the file does not parse or an instruction is malformed; it also fails when
// the final stage would run as root or installs a compiler or the build package list. With
// CONTEXT_DIR, every file COPY takes from the build context must exist there and must not be
// excluded by CONTEXT_DIR/.dockerignore (matched with Docker's own pattern matcher).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

type stage struct {
	Name    string   `json:"name"`
	Base    string   `json:"base"`
	Runs    []string `json:"runs"`
	Copies  []string `json:"copies"`
	User    string   `json:"user"`
	Health  bool     `json:"healthcheck"`
	Entry   []string `json:"entrypoint"`
}

func main() {
	if len(os.Args) != 2 && len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-check Dockerfile [CONTEXT_DIR]")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfile-check:", err)
		os.Exit(2)
	}
	res, err := parser.Parse(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfile-check: does not parse:", err)
		os.Exit(1)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "dockerfile-check: warning:", w.Short)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfile-check: bad instruction:", err)
		os.Exit(1)
	}
	var out []stage
	var contextSources []string
	for _, s := range stages {
		st := stage{Name: s.Name, Base: s.BaseName}
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.RunCommand:
				st.Runs = append(st.Runs, strings.Join(c.CmdLine, " "))
			case *instructions.CopyCommand:
				if c.From == "" {
					contextSources = append(contextSources, c.SourcePaths...)
				}
				st.Copies = append(st.Copies, fmt.Sprintf("from=%s %s -> %s", c.From, strings.Join(sourcePaths(c.SourcePaths), " "), c.DestPath))
			case *instructions.UserCommand:
				st.User = c.User
			case *instructions.HealthCheckCommand:
				st.Health = c.Health != nil && len(c.Health.Test) > 0 && c.Health.Test[0] != "NONE"
			case *instructions.EntrypointCommand:
				st.Entry = c.CmdLine
			}
		}
		out = append(out, st)
	}
	if len(out) < 2 {
		fmt.Fprintln(os.Stderr, "dockerfile-check: a multi-stage build expected")
		os.Exit(1)
	}
	final := out[len(out)-1]
	var problems []string
	if final.User == "" || final.User == "root" || final.User == "0" || strings.HasPrefix(final.User, "0:") {
		problems = append(problems, "the final stage must set a non-root USER")
	}
	for _, r := range final.Runs {
		for _, bad := range []string{"g++", "gcc", "clang", "build-essential", "cmake", "ninja-build", "apt-packages.txt"} {
			if strings.Contains(r, " "+bad) {
				problems = append(problems, fmt.Sprintf("the runtime stage mentions %q: %s", bad, r))
			}
		}
	}
	for _, c := range final.Copies {
		if strings.Contains(c, "apt-packages.txt") {
			problems = append(problems, "the runtime stage must not install the build package list")
		}
	}
	if len(os.Args) == 3 {
		problems = append(problems, checkContext(os.Args[2], contextSources)...)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "dockerfile-check:", p)
		}
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

func sourcePaths(p []string) []string { return p }

func checkContext(dir string, sources []string) []string {
	var problems []string
	var patterns []string
	if f, err := os.Open(filepath.Join(dir, ".dockerignore")); err == nil {
		patterns, err = ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return []string{".dockerignore: " + err.Error()}
		}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return []string{".dockerignore: " + err.Error()}
	}
	for _, src := range sources {
		if src == "." || src == "./" {
			continue
		}
		rel := filepath.Clean(src)
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			problems = append(problems, fmt.Sprintf("COPY source %s does not exist in the build context", src))
			continue
		}
		if excluded, _ := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); excluded {
			problems = append(problems, fmt.Sprintf("COPY source %s is excluded by .dockerignore", src))
		}
	}
	// Files the build stage reads from the whole-context copy.
	for _, need := range []string{"deps/apt-packages.txt", "deploy/docker/grpc_health.cc", "deploy/docker/rathaus-healthcheck", "deploy/docker/runtime-packages.sh", "CMakeLists.txt"} {
		if excluded, _ := pm.MatchesOrParentMatches(need); excluded {
			problems = append(problems, fmt.Sprintf("%s is excluded by .dockerignore but the build needs it", need))
		}
	}
	return problems
}
