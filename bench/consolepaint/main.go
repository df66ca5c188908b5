// Command consolepaint loads the web console in headless Chromium, each
// time in a fresh browser context (no cache, no cookies), and prints the
// page's own timings: the page's last byte received (Navigation Timing),
// first paint and first contentful paint (the Paint Timing API) and the
// moment the first view from the event stream
// was drawn (the topology holds an API), all in milliseconds from the
// navigation's start, one line per load and the medians.
//
//	consolepaint -url http://127.0.0.1:4566/_portolan/console/ [-n 11] [-chromium chromium]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"time"

	"github.com/chromedp/chromedp"
)

// timings waits for the first contentful paint (a PerformanceObserver
// with buffered entries: a paint before the script ran counts) and for
// the first drawn view, then reads the paint entries.
const timings = `new Promise(resolve => {
  let painted = false, drawn = 0;
  const done = () => {
    if (!painted || !drawn) return;
    const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
    const nav = performance.getEntriesByType('navigation')[0];
    resolve({html: nav ? nav.responseEnd : 0, fp: paint['first-paint'] || 0, fcp: paint['first-contentful-paint'] || 0, view: drawn});
  };
  new PerformanceObserver(list => {
    if (list.getEntries().some(e => e.name === 'first-contentful-paint')) { painted = true; done(); }
  }).observe({type: 'paint', buffered: true});
  const isDrawn = () => document.querySelector('#topology .api');
  if (isDrawn()) { drawn = performance.now(); done(); return; }
  new MutationObserver((_, o) => { if (isDrawn()) { o.disconnect(); drawn = performance.now(); done(); } })
    .observe(document.body, {childList: true, subtree: true});
})`

type sample struct{ HTML, FP, FCP, View float64 }

func main() {
	url := flag.String("url", "", "the console's URL")
	n := flag.Int("n", 11, "loads")
	chromium := flag.String("chromium", "chromium", "the browser")
	flag.Parse()
	if *url == "" {
		log.Fatal("-url is required")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(*chromium), chromedp.NoSandbox, chromedp.DisableGPU)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if _, err := chromedp.Run(browser, chromedp.Navigate("about:blank")); err != nil {
		log.Fatal(err)
	}
	var all []sample
	for i := range *n {
		s, err := load(browser, *url)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("load %d: page received %.1f ms, first-paint %.1f ms, first-contentful-paint %.1f ms, first view drawn %.1f ms\n", i+1, s.HTML, s.FP, s.FCP, s.View)
		all = append(all, s)
	}
	fmt.Printf("median of %d: page received %.1f ms, first-paint %.1f ms, first-contentful-paint %.1f ms, first view drawn %.1f ms\n", len(all),
		median(all, func(s sample) float64 { return s.HTML }), median(all, func(s sample) float64 { return s.FP }), median(all, func(s sample) float64 { return s.FCP }),
		median(all, func(s sample) float64 { return s.View }))
}

// load opens url in a new incognito-like context of the running browser.
func load(browser context.Context, url string) (sample, error) {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
	defer cancelT()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		return sample{}, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[sample](timings, chromedp.EvalAwaitPromise))
}

func median(all []sample, f func(sample) float64) float64 {
	v := make([]float64, len(all))
	for i, s := range all {
		v[i] = f(s)
	}
	sort.Float64s(v)
	if len(v) == 0 {
		fmt.Fprintln(os.Stderr, "no samples")
		return 0
	}
	return v[len(v)/2]
}
