// Reading Linux /proc/<pid>[/task/<tid>]/stat lines, for the tests and benches that look
// at threads (names, nice values, CPU time).

/**
 * The fields after the name (which may hold spaces and parentheses): [0] state,
 * [1] ppid, [11] utime, [12] stime, [16] nice.
 */
export const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(')') + 2).split(' ');

/** The nice value in a /proc/<pid>/task/<tid>/stat line. */
export const statNice = (stat: string): number => Number(statFields(stat)[16]);
