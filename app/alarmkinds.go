package app

// AlarmKinds lists every alarm rule in the order the wall shows them: the
// API and the metrics name each one, active or not.
func AlarmKinds() []AlarmKind {
	return append([]AlarmKind(nil), alarmOrder...)
}

// Severity is the colour the alarm gives a feed's light while it is on:
// red when viewers see or lose something now, amber when headroom is gone.
func (k AlarmKind) Severity() Health {
	return severity[k]
}
