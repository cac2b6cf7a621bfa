package awsconfig

import (
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
)

// Paths returns the config and credentials file paths: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials, each expanded as
// botocore expands them ($VAR, ${VAR}, then a leading ~; docs/config-files.md, "Which files").
func Paths() (configPath, credentialsPath string) {
	configPath = os.Getenv("AWS_CONFIG_FILE")
	if configPath == "" {
		configPath = "~/.aws/config"
	}
	credentialsPath = os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if credentialsPath == "" {
		credentialsPath = "~/.aws/credentials"
	}
	return expandPath(configPath), expandPath(credentialsPath)
}

// ExpandPath is Python's os.path.expanduser(os.path.expandvars(path)), which botocore applies
// to every path a variable names: the config and credentials files, and the folder of the
// `aws login` token files (AWS_LOGIN_CACHE_DIRECTORY). On Windows, os.path.expandvars also
// reads %VAR%.
func ExpandPath(path string) string { return expandPath(path) }

func expandPath(path string) string {
	return expandUser(expandVars(path))
}

// expandVars replaces $NAME and ${NAME} by the variable's value, as Python's expandvars: NAME
// is ASCII letters, digits and _ (or anything but } inside braces); an unset variable is left
// as written. On Windows %NAME% is replaced too, and text in '…' is kept as it is.
func expandVars(s string) string {
	if !strings.ContainsAny(s, "$%") {
		return s
	}
	var b strings.Builder
	windows := runtime.GOOS == "windows"
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case windows && c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(s[i : i+j+2])
			i += j + 2
			continue
		case windows && c == '%':
			if i+1 < len(s) && s[i+1] == '%' {
				b.WriteByte('%')
				i += 2
				continue
			}
			j := strings.IndexByte(s[i+1:], '%')
			if j < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			if v, ok := os.LookupEnv(s[i+1 : i+1+j]); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+j+2])
			}
			i += j + 2
			continue
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			j := strings.IndexByte(s[i+2:], '}')
			if j >= 0 {
				name := s[i+2 : i+2+j]
				if v, ok := lookupVar(name); ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+j+3])
				}
				i += j + 3
				continue
			}
		case c == '$':
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if j > i+1 {
				if v, ok := lookupVar(s[i+1 : j]); ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i:j])
				}
				i = j
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func lookupVar(name string) (string, bool) {
	if name == "" {
		return "", false
	}
	return os.LookupEnv(name)
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// expandUser replaces a leading ~ (the user's home: $HOME, else the password database) or
// ~NAME (that user's home; left as written when there is no such user), as Python's
// expanduser. On Windows the home is %USERPROFILE%, else %HOMEDRIVE%%HOMEPATH%.
func expandUser(path string) string {
	if !strings.HasPrefix(path, "~") {
		return path
	}
	seps := "/"
	if runtime.GOOS == "windows" {
		seps = `/\`
	}
	i := strings.IndexAny(path[1:], seps) + 1
	if i == 0 {
		i = len(path)
	}
	var home string
	switch {
	case runtime.GOOS == "windows":
		if home = os.Getenv("USERPROFILE"); home == "" {
			drive, p := os.Getenv("HOMEDRIVE"), os.Getenv("HOMEPATH")
			if p == "" {
				return path
			}
			home = drive + p
		}
		if i > 1 { // ~NAME: a sibling of the user's own home
			home = filepath.Join(filepath.Dir(home), path[1:i])
		}
		return home + path[i:]
	case i == 1:
		h, ok := os.LookupEnv("HOME")
		if !ok {
			u, err := user.Current()
			if err != nil {
				return path
			}
			h = u.HomeDir
		}
		home = h
	default:
		u, err := user.Lookup(path[1:i])
		if err != nil {
			return path
		}
		home = u.HomeDir
	}
	home = strings.TrimRight(home, "/")
	if home+path[i:] == "" {
		return "/"
	}
	return home + path[i:]
}
