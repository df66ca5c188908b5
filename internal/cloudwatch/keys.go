package cloudwatch

// Store layout. Only alarms are stored: datapoints live in memory (see
// series.go).
const keyPrefix = "cloudwatch/"

const alarmPrefix = keyPrefix + "alarm/"

func alarmKey(name string) string { return alarmPrefix + name }
