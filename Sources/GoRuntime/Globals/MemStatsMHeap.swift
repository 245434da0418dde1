import CoreFile
import ProcessImage

extension StrippedMemStatsFinder {
    /// `runtime.mheap_` by shape, with the heap walk's own check (its allspans map back
    /// through its arena index): one finder for every feature that needs mheap_.
    func mheap() throws -> Address {
        try MHeapLocator(process: process, layouts: GoHeapLayouts(go.layout)).locate(symbolAddress: nil, process: process).address
    }
}
