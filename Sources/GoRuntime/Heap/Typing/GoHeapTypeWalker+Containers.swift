import Analysis
import CoreFile
import ProcessImage

/// Runtime structures the walker types by knowledge of the runtime, not by a descriptor:
/// their pointers are `unsafe.Pointer`s, which no type descriptor follows.
enum GoSpecialType: UInt8 {
    case ordinary
    /// `sync.eface`: the pool's own spelling of `any`.
    case emptyInterface
    /// `sync.Pool`: `local` points to `localSize` `sync.poolLocal`s.
    case pool
    /// `sync.poolChainElt`: `next` and `prev` are atomic.Pointers to its neighbours.
    case poolChainElement
    /// A bucket map's bucket (before 1.24): `overflow` leads to the next bucket of its chain.
    case mapBucket
}

/// The names untyped runtime objects get. The fixture's truth does not count them, so
/// these follow the runtime's own type names.
enum GoRuntimeObjectName {
    /// A string's bytes: one name for every length, as the bytes carry no type of their own.
    static let stringData = "string data"
    static let channel = "runtime.hchan"
    static let bucketMap = "runtime.hmap"
    static let swissMap = "internal/runtime/maps.Map"
    static let swissTable = "internal/runtime/maps.table"
    static let swissDirectory = "[]*internal/runtime/maps.table (directory)"
}

extension GoHeapTypeWalker {
    mutating func specialKind(of type: TypeID) -> GoSpecialType {
        let index = Int(type.rawValue)
        if index < specialKinds.count, let known = specialKinds[index] { return known }
        if specialKinds.count <= index { specialKinds.append(contentsOf: repeatElement(nil, count: index + 1 - specialKinds.count)) }
        let kind: GoSpecialType
        switch catalog.name(of: type) {
        case "sync.eface": kind = .emptyInterface
        case "sync.Pool": kind = .pool
        case "sync.poolChainElt": kind = .poolChainElement
        case let name where name.hasPrefix("map.bucket["): kind = .mapBucket
        default: kind = .ordinary
        }
        specialKinds[index] = kind
        return kind
    }

    func fallbackType(_ name: String, size: UInt64 = 0) -> TypeID {
        catalog.intern(fallback: name, size: size, kind: .runtimeType)
    }

    func stringDataType() -> TypeID { fallbackType(GoRuntimeObjectName.stringData) }

    /// A func value points to a funcval whose first word is the code: a closure's context is
    /// named after its function (`main.makeCounter.func1`). A func without captures points
    /// into read-only data, not the heap, and types nothing.
    mutating func claimClosure(_ pointer: FollowedPointer) {
        let funcval = pointer.value
        guard funcval != 0, pointer.target >= 0 || table.row(containing: Address(funcval)) != nil else { return }
        let code = word(at: funcval)
        let id: TypeID
        if let known = closureIDs[code] {
            id = known
        } else {
            guard let name = functionName(Address(code)) else { return }
            id = fallbackType(name)
            closureIDs[code] = id
        }
        claim(pointer, as: id, walk: false)
    }

    /// `runtime.hchan`: `qcount`, `dataqsiz`, `buf` lead the structure in every release since Go 1.0.
    /// A buffer of pointer-free elements shares the hchan's allocation; one with pointers is an
    /// allocation of its own, typed `[dataqsiz]elem`.
    mutating func claimChannel(_ channel: UInt64, element: TypeID) {
        guard claim(channel, as: fallbackType(GoRuntimeObjectName.channel), walk: false) else { return }
        let offsets = channelOffsets()
        let capacity = word(at: channel + offsets.dataqsiz), buffer = word(at: channel + offsets.buf)
        guard capacity > 0, capacity <= Self.maxElements, let array = catalog.arrayType(of: element, count: capacity) else { return }
        claim(buffer, as: array)
    }

    private func channelOffsets() -> (dataqsiz: UInt64, buf: UInt64) {
        if let layout = layout.structure("runtime.hchan"), let size = layout.fields.first(where: { $0.name == "dataqsiz" }),
           let buffer = layout.fields.first(where: { $0.name == "buf" }) {
            return (UInt64(size.offset), UInt64(buffer.offset))
        }
        return (8, 16)
    }

    mutating func claimMap(_ map: UInt64, record: GoTypeRecord) {
        guard map != 0, record.mapStorage != .unknown else { return }
        if hasSwissMaps { claimSwissMap(map, group: record.mapStorage) } else { claimBucketMap(map, bucket: record.mapStorage) }
    }

    /// Go 1.24+: `Map.dirPtr` is one group when `dirLen` is 0, else `dirLen` table pointers
    /// (a table appears once per directory slot it owns); each table's groups are one array.
    private mutating func claimSwissMap(_ map: UInt64, group: TypeID) {
        guard claim(map, as: fallbackType(GoRuntimeObjectName.swissMap), walk: false),
              case .success(let mapLayout) = layout.resolve(SwissMapLayout.self),
              case .success(let tableLayout) = layout.resolve(SwissTableLayout.self) else { return }
        let directory = word(at: map + UInt64(mapLayout.dirPtr.offset))
        let length = word(at: map + UInt64(mapLayout.dirLen.offset))
        guard length != 0 else {
            claim(directory, as: group)
            return
        }
        guard length <= 1 << 20 else {
            counters.unreadableMaps += 1
            return
        }
        claim(directory, as: fallbackType(GoRuntimeObjectName.swissDirectory), walk: false)
        let tableType = fallbackType(GoRuntimeObjectName.swissTable)
        for slot in 0..<length {
            let table = word(at: directory + slot * 8)
            guard claim(table, as: tableType, walk: false) else { continue }
            let groups = word(at: table + UInt64(tableLayout.groupsData.offset))
            let mask = word(at: table + UInt64(tableLayout.groupsLengthMask.offset))
            guard mask < Self.maxElements, let array = catalog.arrayType(of: group, count: mask + 1) else {
                counters.unreadableMaps += 1
                continue
            }
            claim(groups, as: array)
        }
    }

    /// Before 1.24: `hmap.buckets` holds 2^B buckets, `oldbuckets` 2^(B-1) while growing.
    /// Overflow buckets of maps with pointers are reached through the bucket type's
    /// `overflow` field; those of pointer-free maps only through `hmap.extra`, and stay untyped.
    private mutating func claimBucketMap(_ map: UInt64, bucket: TypeID) {
        guard claim(map, as: fallbackType(GoRuntimeObjectName.bucketMap), walk: false),
              case .success(let hmap) = layout.resolve(BucketMapLayout.self) else { return }
        let shift = (try? memory.readInteger(UInt8.self, at: Address(map + UInt64(hmap.bucketShift.offset)))) ?? 64
        guard shift < 40 else {
            counters.unreadableMaps += 1
            return
        }
        for (field, count) in [(hmap.buckets, UInt64(1) << UInt64(shift)), (hmap.oldbuckets, shift > 0 ? UInt64(1) << UInt64(shift - 1) : 0)] {
            guard count > 0, let array = catalog.arrayType(of: bucket, count: count) else { continue }
            claim(word(at: map + UInt64(field.offset)), as: array)
        }
    }

    /// A bucket's `overflow` word is an `unsafe.Pointer` (a `uintptr` in maps without
    /// pointers), which no descriptor follows. Each bucket walked leads to its overflow
    /// bucket here; a chain that loops ends where it meets a bucket already walked.
    mutating func claimOverflowBucket(of bucket: UInt64, bucket type: TypeID) {
        guard let overflow = catalog.links(of: type).last(where: { $0.name == "overflow" }) else { return }
        claim(word(at: bucket + overflow.offset), as: type)
    }

    /// `sync.Pool.local` (and `victim`) point to `localSize` (`victimSize`) `sync.poolLocal`s,
    /// as `unsafe.Pointer`s; the poolLocal's fields lead on to the chain and its dequeues.
    mutating func claimPoolLocals(_ pool: UInt64, pool type: TypeID) {
        let fields = catalog.links(of: type)
        func offset(_ name: String) -> UInt64? { fields.first { $0.name == name }?.offset }
        guard let local = catalog.type(named: "sync.poolLocal") else {
            counters.poolWithoutLocalType += 1
            return
        }
        for (array, size) in [("local", "localSize"), ("victim", "victimSize")] {
            guard let arrayOffset = offset(array), let sizeOffset = offset(size) else { continue }
            let count = word(at: pool + sizeOffset)
            guard count > 0, count <= 1 << 16, let type = catalog.arrayType(of: local, count: count) else { continue }
            claim(word(at: pool + arrayOffset), as: type)
        }
    }

    /// `poolChainElt.next` and `.prev` are `atomic.Pointer`s, whose only word is an `unsafe.Pointer`.
    mutating func claimPoolChainNeighbours(_ element: UInt64, element type: TypeID) {
        for link in catalog.links(of: type) where link.name == "next" || link.name == "prev" {
            claim(word(at: element + link.offset), as: type)
        }
    }
}
