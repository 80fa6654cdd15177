/// Damerau-Levenshtein (optimal string alignment) distance with an early exit above `limit`.
enum EditDistance {
    static func within(_ a: [Character], _ b: [Character], limit: Int) -> Bool {
        if abs(a.count - b.count) > limit { return false }
        if a == b { return true }
        let n = a.count, m = b.count
        if n == 0 || m == 0 { return max(n, m) <= limit }
        // Three rows on the stack: this runs for many candidate words of every report, and heap
        // rows were a visible share of routing's allocations in the profile.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * (m + 1)) { rows in
            var previousPrevious = 0, previous = m + 1, current = 2 * (m + 1)
            for j in 0...m {
                rows[previousPrevious + j] = 0
                rows[previous + j] = j
                rows[current + j] = 0
            }
            for i in 1...n {
                rows[current] = i
                var rowMinimum = i
                for j in 1...m {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var value = min(rows[previous + j] + 1, rows[current + j - 1] + 1, rows[previous + j - 1] + cost)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                        value = min(value, rows[previousPrevious + j - 2] + 1)
                    }
                    rows[current + j] = value
                    rowMinimum = min(rowMinimum, value)
                }
                if rowMinimum > limit { return false }
                (previousPrevious, previous, current) = (previous, current, previousPrevious)
            }
            return rows[previous + m] <= limit
        }
    }
}
