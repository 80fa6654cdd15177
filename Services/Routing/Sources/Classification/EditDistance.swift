/// Damerau-Levenshtein (optimal string alignment) distance with an early exit above `limit`.
enum EditDistance {
    static func within(_ a: [Character], _ b: [Character], limit: Int) -> Bool {
        if abs(a.count - b.count) > limit { return false }
        if a == b { return true }
        let n = a.count, m = b.count
        var previousPrevious = [Int](repeating: 0, count: m + 1)
        var previous = Array(0...m)
        var current = [Int](repeating: 0, count: m + 1)
        for i in 1...max(n, 1) where n > 0 {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...max(m, 1) where m > 0 {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return false }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[m] <= limit
    }
}
