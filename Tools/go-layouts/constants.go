package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// wantedConstant matches the constants a reader needs: goroutine states
// (_Gidle, _Gscan, _Gmoribund_unused, but not _GCoff or _GoidCacheBatch),
// span states (mSpanInUse), special kinds (_KindSpecialProfile), and the
// abi.FuncID values tracebacks treat specially (FuncIDWrapper moved from 21
// to 22 to 23 between 1.21 and 1.25 as IDs were inserted before it).
var wantedConstant = regexp.MustCompile(`^(runtime\._G[a-z][a-z_]*|runtime\.mSpan[A-Z][A-Za-z]*|runtime\._KindSpecial[A-Za-z]+|internal/abi\.FuncID[A-Za-z0-9_]*)$`)

// statusConstantsFromSource evaluates the goroutine status const block of
// runtime2.go: "_Gidle = iota", implicit iota repeats, and sums such as
// "_Gscanrunnable = _Gscan + _Grunnable".
func statusConstantsFromSource(path string) (map[string]int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	decl := regexp.MustCompile(`^\s*(_G[a-z][a-z_]*)\b\s*(?:=\s*([^/]+?))?\s*(?://.*)?$`)
	out := map[string]int64{}
	inBlock, iota, iotaMode := false, int64(0), false
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "const ("):
			inBlock, iota, iotaMode = true, 0, false
			continue
		case inBlock && strings.HasPrefix(line, ")"):
			inBlock = false
			continue
		case !inBlock:
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "//") {
			continue
		}
		m := decl.FindStringSubmatch(line)
		if m == nil {
			iota++
			continue
		}
		name, expr := m[1], strings.TrimSpace(m[2])
		var v int64
		switch {
		case expr == "iota":
			iotaMode, v = true, iota
		case expr == "" && iotaMode:
			v = iota
		case expr == "":
			return nil, fmt.Errorf("%s: cannot evaluate %s", path, name)
		default:
			iotaMode = false
			for _, term := range strings.Split(expr, "+") {
				term = strings.TrimSpace(term)
				if n, err := strconv.ParseInt(term, 0, 64); err == nil {
					v += n
				} else if n, ok := out["runtime."+term]; ok {
					v += n
				} else {
					return nil, fmt.Errorf("%s: cannot evaluate %s = %s", path, name, expr)
				}
			}
		}
		out["runtime."+name] = v
		iota++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no _G* constants", path)
	}
	return out, nil
}
