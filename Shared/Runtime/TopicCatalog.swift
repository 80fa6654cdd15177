import HotlineDomain

/// The topics the runtime provisions; the names themselves live in the domain model.
enum TopicCatalog {
    static var all: [String] { Topic.all }
}
