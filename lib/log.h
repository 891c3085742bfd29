/*
 * log.h --
 *	The one logging facility of every program.  Lines go to stderr, where
 *	systemd's journal picks them up, prefixed with the program name and
 *	level.  The LOG macro tests the level before evaluating its arguments,
 *	so a debug line in a hot path costs a comparison when debugging is off.
 */
#ifndef PINGSVC_LOG_H
#define PINGSVC_LOG_H

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern enum log_level log_threshold;

/* log_init -- Set the program name shown on each line and the threshold. */
void log_init(const char *progname, enum log_level threshold);

/*
 * log_level_parse --
 *	Map "error", "warn", "info" or "debug" to a level.  Returns 0, or -1
 *	when 'name' is none of those.
 */
int log_level_parse(const char *name, enum log_level *out);

/* log_write -- Write one line; use LOG() instead. */
void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define LOG(level, ...)                                                        \
	do {                                                                   \
		if ((level) <= log_threshold)                                  \
			log_write((level), __VA_ARGS__);                       \
	} while (0)

#endif
