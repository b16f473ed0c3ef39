package emulator

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkServe measures requests per second over loopback: parallel GETs of
// the IdP list of a small account, with authentication, counting and settling.
func BenchmarkServe(b *testing.B) {
	s := start(b, Options{}, false)
	if err := s.Emulator.Load(loadSeed(b)); err != nil {
		b.Fatal(err)
	}
	url := s.URL + idpPath(acctA)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
