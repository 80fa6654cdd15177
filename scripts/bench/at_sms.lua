-- wrk script: Africa's Talking inbound SMS webhooks, realistic French text, a unique id and a unique
-- fictional Malian number per request. Counts 2xx answers per thread; done() prints them as JSON.
counter = 0
thread_id = 0
accepted = 0
other = 0
local threads = {}

local texts = {
  "Des hommes armés ont attaqué le marché de Sévaré cette nuit, aidez nous vite",
  "Vol de bétail à Douentza, les voleurs sont partis vers la brousse avec trente bœufs",
  "Les policiers du poste de contrôle de Gao demandent de l'argent à chaque passage",
  "Conflit entre éleveurs et agriculteurs à Niono, les champs de mil sont détruits",
  "Une femme a été battue par son mari à Mopti, elle a peur de rentrer chez elle",
  "Des inconnus transportent des armes dans un camion vers Bandiagara ce matin",
}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~ ]", function(c) return string.format("%%%02X", string.byte(c)) end):gsub(" ", "+"))
end

local encoded = {}
for i, t in ipairs(texts) do encoded[i] = urlencode(t) end

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  run_id = args[1] or tostring(os.time())
end

function request()
  counter = counter + 1
  local id = string.format("wrk-%s-%d-%d", run_id, thread_id, counter)
  local phone = string.format("%%2B2236%d%06d", thread_id % 10, counter % 1000000)
  local body = "from=" .. phone .. "&to=20123&text=" .. encoded[(counter % #encoded) + 1] ..
    "&date=2026-11-23+19%3A00%3A00&id=" .. id .. "&linkId=&networkCode=61001"
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, o = 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("accepted")
    o = o + thread:get("other")
  end
  io.write(string.format('WRK_JSON {"accepted":%d,"other":%d,"seconds":%f,"errors":%d,"p50_ms":%f,"p99_ms":%f}\n',
    a, o, summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
