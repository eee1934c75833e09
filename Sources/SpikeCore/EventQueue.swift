/// A min-heap of pending deliveries: a synapse group due at a time.
struct EventQueue: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var group: Int32
    }

    private(set) var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var nextTime: Int64? { entries.first?.time }

    mutating func reserve(_ capacity: Int) {
        entries.reserveCapacity(capacity)
    }

    mutating func push(time: Int64, group: Int32) {
        entries.append(Entry(time: time, group: group))
        entries.withUnsafeMutableBufferPointer { heap in
            var child = heap.count - 1
            let item = heap[child]
            while child > 0 {
                let parent = (child - 1) >> 1
                if heap[parent].time <= item.time { break }
                heap[child] = heap[parent]
                child = parent
            }
            heap[child] = item
        }
    }

    /// Removes and returns the earliest entry. - Precondition: not empty.
    mutating func pop() -> Entry {
        let last = entries.removeLast()
        if entries.isEmpty { return last }
        return entries.withUnsafeMutableBufferPointer { heap in
            let top = heap[0]
            let count = heap.count
            var parent = 0
            while true {
                var child = 2 * parent + 1
                if child >= count { break }
                if child + 1 < count && heap[child + 1].time < heap[child].time { child += 1 }
                if last.time <= heap[child].time { break }
                heap[parent] = heap[child]
                parent = child
            }
            heap[parent] = last
            return top
        }
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }
}
