// Command release builds mfacred's release archives for every supported target, with a
// SHA256SUMS file, reproducibly: the same commit and Go release give the same bytes, wherever
// and whenever they are built. Run it through release.sh (see README.md, "Releases").
//
// The work tree must be the commit: no changes, no untracked files that are not ignored.
// Binaries are built with -trimpath and without cgo, with every build setting a user's
// environment or go env file could change pinned (GOAMD64=v1, GOARM64=v8.0, no GOEXPERIMENT
// or GOFLAGS); archive entries carry the commit's time (SOURCE_DATE_EPOCH when set), owner 0 and fixed
// modes, in a fixed order; gzip headers carry no name or time.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Targets are the systems mfacred is built for.
var targets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	out := fs.String("out", "dist", "the folder for the archives and SHA256SUMS")
	version := fs.String("version", "", "the version stamped into the binaries (default: git describe)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Untracked files count: go build compiles a .go file in a package folder whether git
	// tracks it or not. Ignored files (dist/, editors' files) are left out.
	if dirty, err := git("status", "--porcelain", "--untracked-files=all"); err != nil {
		return err
	} else if dirty != "" {
		first, _, _ := strings.Cut(dirty, "\n")
		return fmt.Errorf("the work tree has uncommitted changes or untracked files (%s): a release is built from a commit", strings.TrimSpace(first))
	}
	if *version == "" {
		v, err := git("describe", "--tags", "--always")
		if err != nil {
			return err
		}
		*version = v
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		e, err := git("log", "-1", "--format=%ct")
		if err != nil {
			return err
		}
		epoch = e
	}
	secs, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", epoch)
	}
	mtime := time.Unix(secs, 0).UTC()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	build, err := os.MkdirTemp("", "mfacred-release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(build)
	env, err := pinnedGoEnv(build)
	if err != nil {
		return err
	}

	var sums []string
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		name := fmt.Sprintf("mfacred_%s_%s_%s", strings.TrimPrefix(*version, "v"), goos, goarch)
		bin := filepath.Join(build, goos+"-"+goarch)
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -X main.version="+*version, "-o", bin+string(filepath.Separator), "./cmd/mfacred", "./cmd/mfacred-core")
		cmd.Env = append(os.Environ(), env...)
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", target, err)
		}
		exe := ""
		if goos == "windows" {
			exe = ".exe"
		}
		var files []file
		for _, b := range []string{"mfacred" + exe, "mfacred-core" + exe} {
			data, err := os.ReadFile(filepath.Join(bin, b))
			if err != nil {
				return err
			}
			files = append(files, file{name + "/" + b, data, 0o755})
		}
		files = append(files, file{name + "/README.md", readme, 0o644})
		var archive bytes.Buffer
		ext := ".tar.gz"
		if goos == "windows" {
			ext = ".zip"
			err = writeZip(&archive, files, mtime)
		} else {
			err = writeTarGz(&archive, files, mtime)
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", target, err)
		}
		if err := os.WriteFile(filepath.Join(*out, name+ext), archive.Bytes(), 0o644); err != nil {
			return err
		}
		sums = append(sums, fmt.Sprintf("%x  %s\n", sha256.Sum256(archive.Bytes()), name+ext))
		fmt.Fprintf(os.Stderr, "%s\n", filepath.Join(*out, name+ext))
	}
	sort.Strings(sums)
	return os.WriteFile(filepath.Join(*out, "SHA256SUMS"), []byte(strings.Join(sums, "")), 0o644)
}

// pinnedEnv overrides the build settings a user's environment or go env file could change:
// the bytes depend only on the commit and the Go release.
var pinnedEnv = []string{"CGO_ENABLED=0", "GOAMD64=v1", "GOARM64=v8.0", "GOARM=", "GOEXPERIMENT=", "GOFLAGS="}

// pinnedGoEnv writes into dir a copy of the user's go env file (go env -w) without the
// settings pinnedEnv pins, and returns pinnedEnv with GOENV naming that copy: an empty variable
// in the environment does not override the file, and the file's other settings (GOPROXY,
// GOPRIVATE) still apply to the build.
func pinnedGoEnv(dir string) ([]string, error) {
	path, err := exec.Command("go", "env", "GOENV").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOENV: %w", err)
	}
	var kept []string
	if p := strings.TrimSpace(string(path)); p != "" && p != "off" {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read the go env file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			name, _, _ := strings.Cut(line, "=")
			if !slices.ContainsFunc(pinnedEnv, func(kv string) bool { return strings.HasPrefix(kv, strings.TrimSpace(name)+"=") }) {
				kept = append(kept, line)
			}
		}
	}
	file := filepath.Join(dir, "go.env")
	if err := os.WriteFile(file, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		return nil, err
	}
	return append(slices.Clone(pinnedEnv), "GOENV="+file), nil
}

type file struct {
	name string
	data []byte
	mode int64
}

func writeTarGz(w io.Writer, files []file, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: mtime, Format: tar.FormatUSTAR}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, files []file, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(f.mode))
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
