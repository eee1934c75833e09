import Foundation

/// A FIFO handed between threads: producers append, one consumer blocks until items
/// arrive or a timeout passes.
final class BlockingQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `items` and `closed` are only read or written while `condition`
    // is locked (every method takes the lock first), so all access is serialised.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    /// Items above which `append` waits (back-pressure on the producer); 0 = unbounded.
    let capacity: Int

    init(capacity: Int = 0) {
        self.capacity = capacity
    }

    /// Appends an item; waits while the queue is full. Returns false once closed.
    @discardableResult
    func append(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while capacity > 0 && items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Appends items in one hand-over (one lock, one wake-up); waits while the queue is
    /// full. Returns false once closed.
    @discardableResult
    func append(contentsOf batch: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while capacity > 0 && items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(contentsOf: batch)
        condition.broadcast()
        return true
    }

    /// Takes every waiting item, waiting up to `timeout` seconds for the first.
    /// Returns an empty array on timeout, nil once closed and drained.
    func takeAll(timeout: Double) -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        if items.isEmpty && !closed {
            _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
        }
        if items.isEmpty { return closed ? nil : [] }
        let taken = items
        items.removeAll(keepingCapacity: true)
        condition.broadcast()
        return taken
    }

    /// Items waiting.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    /// Refuses further items; the consumer drains what is left, then gets nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
