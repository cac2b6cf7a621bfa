//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// serverFetch measures a warm fetch from `mfacred serve` (p50, p99; a new connection each
// time, as every AWS CLI run makes one) beside the warm `mfacred process` runs in process.
func (b *bench) serverFetch(n int, process []time.Duration) error {
	tokenFile := filepath.Join(b.dir, "server-token")
	c := b.exec("mfacred", "serve", "--profile", "alice", "--token-file", tokenFile)
	out, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	c.Stderr = io.Discard
	if err := c.Start(); err != nil {
		return err
	}
	defer func() {
		c.Process.Signal(syscall.SIGTERM)
		c.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "AWS_CONTAINER_CREDENTIALS_FULL_URI=")
	if err != nil || !ok {
		return fmt.Errorf("serve printed %q: %v", line, err)
	}
	go io.Copy(io.Discard, out)
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	fetch := func() error {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", string(token))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	var times []time.Duration
	for i := 0; i < n+10; i++ {
		start := time.Now()
		if err := fetch(); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		if i >= 10 { // the first ones warm the server up
			times = append(times, time.Since(start))
		}
	}
	f50, f99, p50, p99 := percentile(times, 50), percentile(times, 99), percentile(process, 50), percentile(process, 99)
	fmt.Printf("warm fetch from serve     %8s   p99 %s   (new connection each)\n", ms(f50), ms(f99))
	fmt.Printf("warm mfacred process      %8s   p99 %s\n", ms(p50), ms(p99))
	fmt.Printf("  process / fetch         %8.1fx   p99 %.1fx\n\n", ratio(p50, f50), ratio(p99, f99))
	return nil
}

// percentile is the p-th percentile of d (nearest rank).
func percentile(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}
