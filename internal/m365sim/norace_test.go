//go:build !race

package m365sim

// raceEnabled reports whether the race detector is on (timings are off).
const raceEnabled = false
