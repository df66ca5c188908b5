// Command burner is the load of the autoscaling tests: while the file
// named by $LOAD_FILE exists (always, when it is unset) it keeps the CPU
// busy for $DUTY_PERCENT of the time (burning in 10 ms slices), and
// otherwise idles. It is small on
// purpose: the test machines are shared.
package main

import (
	"os"
	"strconv"
	"time"
)

func main() {
	file := os.Getenv("LOAD_FILE")
	duty, err := strconv.Atoi(os.Getenv("DUTY_PERCENT"))
	if err != nil || duty < 1 || duty > 100 {
		duty = 20
	}
	burn := time.Duration(duty) * 100 * time.Microsecond // of every 10 ms
	for {
		if _, err := os.Stat(file); file != "" && err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for range 10 {
			end := time.Now().Add(burn)
			for time.Now().Before(end) {
			}
			time.Sleep(10*time.Millisecond - burn)
		}
	}
}
