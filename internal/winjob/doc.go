// Package winjob runs a child process inside a Windows job object, so that the child and
// every process it starts end together: on a time-out, or when mfacred itself is killed.
// Windows has no process groups that a parent can end as a whole; a job object is its way.
package winjob
