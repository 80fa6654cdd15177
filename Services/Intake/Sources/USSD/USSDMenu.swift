import HotlineReference

/// Where a USSD session is. Stored as JSON in `intake.ussd_sessions`.
struct USSDState: Codable, Sendable, Equatable {
    enum Step: String, Codable, Sendable {
        case language, category, region, commune, details, confirm
    }

    var step: Step = .language
    var language = "fr"
    var category: String?
    var regionCode: String?
    var placeCode: String?
    var details: String?
    var page = 0
    /// Set once the report is stored, so a repeated final request gets the same answer.
    var completedCode: String?
    /// Set when the report was refused over the sender's hourly limit, for the same reason.
    var refusedOverLimit: Bool?
}

/// The USSD menu as a pure function of state and input, so every screen can be tested alone.
///
/// Screens never exceed 160 characters: long lists are paged, `0` shows the next page.
enum USSDMenu {
    static let maximumScreenLength = 160
    static let maximumDetailsLength = 300

    struct Reply: Equatable {
        var text: String
        var ends: Bool
        var state: USSDState
        /// The session is complete and the report must be stored.
        var submit: Bool = false

        /// The body Africa's Talking expects.
        var rendered: String { (ends ? "END " : "CON ") + text }
    }

    static let languages: [(code: String, label: String)] = [
        ("fr", "Français"), ("en", "English"), ("ar", "العربية"), ("bm", "Bamanankan"), ("ha", "Hausa"),
    ]

    static let categories: [(key: String, labels: [String: String])] = [
        ("theft", ["fr": "Vol", "en": "Theft", "ar": "سرقة"]),
        ("armed_attack", ["fr": "Attaque armée", "en": "Armed attack", "ar": "هجوم مسلح"]),
        ("trafficking_weapons_drugs", ["fr": "Trafic armes/drogue", "en": "Arms/drug trafficking", "ar": "تهريب أسلحة/مخدرات"]),
        ("human_trafficking", ["fr": "Traite de personnes", "en": "Human trafficking", "ar": "الاتجار بالبشر"]),
        ("security_forces_misconduct", ["fr": "Abus des forces", "en": "Abuse by security forces", "ar": "تجاوزات قوات الأمن"]),
        ("land_dispute", ["fr": "Conflit foncier/éleveurs", "en": "Land/herder dispute", "ar": "نزاع أراض/رعي"]),
        ("gender_based_violence", ["fr": "Violence faite aux femmes", "en": "Violence against women", "ar": "عنف ضد النساء"]),
        ("violent_extremism", ["fr": "Menace extrémiste", "en": "Extremist threat", "ar": "تهديد متطرف"]),
        ("corruption", ["fr": "Corruption", "en": "Corruption", "ar": "فساد"]),
        ("other", ["fr": "Autre", "en": "Other", "ar": "أخرى"]),
    ]

    static func process(_ state: USSDState, input: String?, gazetteer: Gazetteer, country: String) -> Reply {
        guard let input else { return screen(for: USSDState(), gazetteer: gazetteer, country: country) }
        var next = state
        let choice = input.trimmingCharacters(in: .whitespaces)
        switch state.step {
        case .language:
            guard let index = Int(choice), languages.indices.contains(index - 1) else { return invalid(state, gazetteer, country) }
            next.language = languages[index - 1].code
            next.step = .category
            next.page = 0
        case .category:
            switch pick(choice, from: categories.map { label($0.labels, next.language) }, header: Text.category(next.language), state: state) {
            case .nextPage(let page): next.page = page
            case .picked(let index):
                next.category = categories[index].key
                next.step = regions(gazetteer, country).isEmpty ? .details : .region
                next.page = 0
            case .invalid: return invalid(state, gazetteer, country)
            }
        case .region:
            let options = regions(gazetteer, country)
            switch pick(choice, from: options.map(\.name), header: Text.region(next.language), state: state) {
            case .nextPage(let page): next.page = page
            case .picked(let index):
                next.regionCode = options[index].code
                next.placeCode = options[index].code
                next.step = .commune
                next.page = 0
            case .invalid: return invalid(state, gazetteer, country)
            }
        case .commune:
            let options = communes(gazetteer, state.regionCode)
            switch pick(choice, from: options.map(\.name) + [Text.unknown(next.language)], header: Text.commune(next.language), state: state) {
            case .nextPage(let page): next.page = page
            case .picked(let index):
                next.placeCode = index < options.count ? options[index].code : state.regionCode
                next.step = .details
                next.page = 0
            case .invalid: return invalid(state, gazetteer, country)
            }
        case .details:
            next.details = (choice.isEmpty || choice == "0") ? nil : String(choice.prefix(maximumDetailsLength))
            next.step = .confirm
        case .confirm:
            switch choice {
            case "1": return Reply(text: "", ends: true, state: next, submit: true)
            case "2": return Reply(text: Text.cancelled(next.language), ends: true, state: next)
            default: return invalid(state, gazetteer, country)
            }
        }
        return screen(for: next, gazetteer: gazetteer, country: country)
    }

    /// The closing screen once the report is stored.
    static func thanks(code: String, language: String) -> String {
        "END " + Text.thanks(language, code)
    }

    static func screen(for state: USSDState, gazetteer: Gazetteer, country: String, prefix: String = "") -> Reply {
        let body: String = switch state.step {
        case .language:
            page(header: prefix + "Hotline sécurité / Security hotline", items: languages.map(\.label), page: 0, more: "Suite/More")
        case .category:
            page(header: prefix + Text.category(state.language), items: categories.map { label($0.labels, state.language) },
                 page: state.page, more: Text.more(state.language))
        case .region:
            page(header: prefix + Text.region(state.language), items: regions(gazetteer, country).map(\.name),
                 page: state.page, more: Text.more(state.language))
        case .commune:
            page(header: prefix + Text.commune(state.language),
                 items: communes(gazetteer, state.regionCode).map(\.name) + [Text.unknown(state.language)],
                 page: state.page, more: Text.more(state.language))
        case .details:
            prefix + Text.details(state.language)
        case .confirm:
            prefix + Text.confirm(state.language)
        }
        return Reply(text: body, ends: false, state: state)
    }

    private static func invalid(_ state: USSDState, _ gazetteer: Gazetteer, _ country: String) -> Reply {
        screen(for: state, gazetteer: gazetteer, country: country, prefix: Text.invalid(state.language) + " ")
    }

    private enum Pick { case picked(Int), nextPage(Int), invalid }

    private static func pick(_ choice: String, from items: [String], header: String, state: USSDState) -> Pick {
        let pages = paginate(header: header, items: items, more: Text.more(state.language))
        let current = pages[min(state.page, pages.count - 1)]
        if choice == "0", pages.count > 1 { return .nextPage((state.page + 1) % pages.count) }
        guard let number = Int(choice), (1...current.count).contains(number) else { return .invalid }
        return .picked(current.lowerBound + number - 1)
    }

    /// Splits `items` into pages of at most nine, each fitting the screen with its header and "0 more".
    static func paginate(header: String, items: [String], more: String) -> [Range<Int>] {
        guard !items.isEmpty else { return [0..<0] }
        var pages: [Range<Int>] = []
        var start = 0
        while start < items.count {
            var end = start
            var length = header.count
            let moreLine = "\n0 \(more)".count
            while end < items.count, end - start < 9 {
                let line = "\n\(end - start + 1) \(items[end])".count
                let needsMore = end + 1 < items.count
                if length + line + (needsMore ? moreLine : 0) > maximumScreenLength, end > start { break }
                length += line
                end += 1
            }
            pages.append(start..<end)
            start = end
        }
        return pages
    }

    static func page(header: String, items: [String], page: Int, more: String) -> String {
        let pages = paginate(header: header, items: items, more: more)
        let range = pages[min(page, pages.count - 1)]
        var text = header
        for (offset, index) in range.enumerated() { text += "\n\(offset + 1) \(items[index])" }
        if pages.count > 1 { text += "\n0 \(more)" }
        return text
    }

    static func regions(_ gazetteer: Gazetteer, _ country: String) -> [Place] {
        gazetteer.children(of: country).filter { $0.level == .region }
    }

    static func communes(_ gazetteer: Gazetteer, _ regionCode: String?) -> [Place] {
        regionCode.map { gazetteer.communes(under: $0) } ?? []
    }

    static func label(_ labels: [String: String], _ language: String) -> String {
        labels[Text.base(language)] ?? labels["fr"]!
    }

    /// Menu texts. Bambara and Hausa menus fall back to French and English until translations are reviewed.
    enum Text {
        static func base(_ language: String) -> String {
            switch language {
            case "en", "ha": "en"
            case "ar": "ar"
            default: "fr"
            }
        }

        static func pick(_ language: String, fr: String, en: String, ar: String) -> String {
            switch base(language) {
            case "en": en
            case "ar": ar
            default: fr
            }
        }

        static func category(_ l: String) -> String { pick(l, fr: "Type d'incident:", en: "Type of incident:", ar: "نوع الحادث:") }
        static func region(_ l: String) -> String { pick(l, fr: "Région:", en: "Region:", ar: "المنطقة:") }
        static func commune(_ l: String) -> String { pick(l, fr: "Commune:", en: "Commune:", ar: "البلدية:") }
        static func unknown(_ l: String) -> String { pick(l, fr: "Je ne sais pas", en: "Not sure", ar: "لا أعرف") }
        static func more(_ l: String) -> String { pick(l, fr: "Suite", en: "More", ar: "المزيد") }
        static func invalid(_ l: String) -> String { pick(l, fr: "Choix invalide.", en: "Invalid choice.", ar: "اختيار غير صالح.") }
        static func details(_ l: String) -> String {
            pick(l, fr: "Décrivez en quelques mots (0 pour passer):", en: "Describe in a few words (0 to skip):", ar: "صف باختصار (0 للتخطي):")
        }
        static func confirm(_ l: String) -> String {
            pick(l, fr: "Envoyer le signalement?\n1 Oui\n2 Non", en: "Send the report?\n1 Yes\n2 No", ar: "إرسال البلاغ؟\n1 نعم\n2 لا")
        }
        static func cancelled(_ l: String) -> String { pick(l, fr: "Signalement annulé.", en: "Report cancelled.", ar: "تم إلغاء البلاغ.") }
        /// Over the hourly limit. Says nothing of what was reported, and points to the call centre.
        static func throttled(_ l: String) -> String {
            pick(l, fr: "Trop de signalements depuis ce numéro cette heure. Réessayez plus tard ou appelez le centre d'appel.",
                 en: "Too many reports from this number this hour. Try again later or call the call centre.",
                 ar: "بلاغات كثيرة من هذا الرقم خلال هذه الساعة. حاول لاحقا أو اتصل بمركز الاتصال.")
        }
        static func thanks(_ l: String, _ code: String) -> String {
            pick(l, fr: "Merci. Votre référence: \(code). Pour le suivi, envoyez ETAT \(code) par SMS.",
                 en: "Thank you. Your reference: \(code). For updates, text STATUS \(code).",
                 ar: "شكرا. رقمك المرجعي: \(code). للمتابعة أرسل STATUS \(code).")
        }
    }
}
